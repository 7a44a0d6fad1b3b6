namespace PrivSep.Broker.Policy;

/// <summary>
/// Rules for the only path shape the policy ever matches: absolute, '/'-separated, no empty,
/// "." or ".." segment, no trailing slash (except "/" itself), no NUL. Anything else is refused
/// rather than cleaned up: the broker checks the path the kernel resolved for the object actually
/// opened, so a path that is not in this shape means a bug or an attack, and the safe answer is no.
/// </summary>
internal static class NormalizedPath
{
    public static bool IsNormalizedAbsolute(ReadOnlySpan<char> path)
    {
        if (path.Length == 0 || path[0] != '/')
        {
            return false;
        }

        if (path.Length == 1)
        {
            return true;
        }

        if (path[^1] == '/')
        {
            return false;
        }

        // Walk the segments between slashes; each must be non-empty and neither "." nor "..".
        var segmentStart = 1;
        for (var i = 1; i <= path.Length; i++)
        {
            if (i < path.Length)
            {
                var c = path[i];
                if (c == '\0')
                {
                    return false;
                }

                if (c != '/')
                {
                    continue;
                }
            }

            var segment = path[segmentStart..i];
            if (segment.Length == 0 || segment is "." or "..")
            {
                return false;
            }

            segmentStart = i + 1;
        }

        return true;
    }

    /// <summary>
    /// True when <paramref name="path"/> is <paramref name="root"/> itself or lies below it, compared
    /// whole segment by whole segment, so that "/sandbox-evil/x" is not under "/sandbox".
    /// <paramref name="relativeStart"/> is the index in <paramref name="path"/> where the part below
    /// the root begins (path.Length when the path is the root). Both must be normalized absolute.
    /// </summary>
    public static bool IsSameOrBelow(ReadOnlySpan<char> root, ReadOnlySpan<char> path, out int relativeStart)
    {
        relativeStart = 0;
        if (root.Length == 1)
        {
            // The root directory contains every absolute path; what follows its slash is relative.
            relativeStart = 1;
            return true;
        }

        var rootCursor = new SegmentCursor(root);
        var pathCursor = new SegmentCursor(path);
        while (rootCursor.TryNext(out var rootSegment))
        {
            if (!pathCursor.TryNext(out var pathSegment) || !rootSegment.SequenceEqual(pathSegment))
            {
                return false;
            }
        }

        relativeStart = Math.Min(pathCursor.NextStart, path.Length);
        return true;
    }

    /// <summary>Walks the segments of a normalized absolute path without allocating.</summary>
    public ref struct SegmentCursor
    {
        private readonly ReadOnlySpan<char> _path;

        public SegmentCursor(ReadOnlySpan<char> path)
        {
            _path = path;

            // "/" has no segments: start past the end.
            NextStart = path.Length <= 1 ? path.Length + 1 : 1;
        }

        /// <summary>Index where the next segment starts; past the end once every segment was read.</summary>
        public int NextStart { get; private set; }

        public readonly bool AtEnd => NextStart > _path.Length;

        public bool TryNext(out ReadOnlySpan<char> segment)
        {
            if (AtEnd)
            {
                segment = default;
                return false;
            }

            var rest = _path[NextStart..];
            var slash = rest.IndexOf('/');
            var length = slash < 0 ? rest.Length : slash;
            segment = rest[..length];
            NextStart += length + 1;
            return true;
        }
    }
}

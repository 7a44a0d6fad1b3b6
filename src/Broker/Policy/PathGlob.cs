namespace PrivSep.Broker.Policy;

/// <summary>
/// One path pattern from the policy, compiled at load into segments so that matching a request is
/// a walk over two arrays with no allocation and no regular expression. Syntax: absolute,
/// '/'-separated; <c>*</c> matches any run of characters within one segment (names starting with '.'
/// included), <c>?</c> one character other than '/', and <c>**</c> as a whole segment any number of
/// segments, zero included, so "/var/log/**" matches "/var/log" itself and everything below it.
/// </summary>
internal sealed class PathGlob
{
    private readonly Segment[] _segments;

    private PathGlob(string pattern, Segment[] segments)
    {
        Pattern = pattern;
        _segments = segments;

        var literal = 0;
        while (literal < segments.Length && segments[literal].Kind == SegmentKind.Literal)
        {
            literal++;
        }

        // The directory part of the literal prefix: every literal segment before the first
        // wildcard, or, for a pattern without wildcards (a single file), every segment but the last.
        var directorySegments = literal == segments.Length ? literal - 1 : literal;
        LiteralDirectorySegmentCount = Math.Max(directorySegments, 0);
        LiteralDirectory = LiteralDirectorySegmentCount == 0
            ? "/"
            : "/" + string.Join('/', segments.Take(LiteralDirectorySegmentCount).Select(s => s.Text));
    }

    public string Pattern { get; }

    /// <summary>Number of wildcard-free directory segments the pattern starts with.</summary>
    public int LiteralDirectorySegmentCount { get; }

    /// <summary>
    /// The deepest directory every match lies in or is, e.g. "/var/lib/privsep/sandbox" for
    /// "/var/lib/privsep/sandbox/**" and "/etc/mysql" for "/etc/mysql/debian.cnf"; "/" when none.
    /// </summary>
    public string LiteralDirectory { get; }

    /// <summary>Compiles <paramref name="pattern"/>, or explains in <paramref name="error"/> why it is refused.</summary>
    public static bool TryParse(string pattern, out PathGlob? glob, out string? error)
    {
        glob = null;
        error = Validate(pattern);
        if (error is not null)
        {
            return false;
        }

        if (pattern == "/")
        {
            glob = new PathGlob(pattern, []);
            return true;
        }

        var segments = pattern[1..].Split('/').Select(ToSegment).ToArray();
        glob = new PathGlob(pattern, segments);
        return true;
    }

    /// <summary>
    /// True when the path matches. A path that is not normalized absolute never matches: the matcher
    /// fails closed on its own instead of trusting every caller to have checked.
    /// </summary>
    public bool IsMatch(ReadOnlySpan<char> path) =>
        NormalizedPath.IsNormalizedAbsolute(path) && IsMatchNormalized(path);

    /// <summary>Matching for a path already known to be normalized absolute.</summary>
    internal bool IsMatchNormalized(ReadOnlySpan<char> path)
    {
        // Classic wildcard matching with one backtracking point, over segments: on a mismatch, the
        // most recent "**" absorbs one more path segment and matching resumes after it. Remembering
        // only the latest "**" suffices because it can absorb anything an earlier one could.
        var cursor = new NormalizedPath.SegmentCursor(path);
        var patternIndex = 0;
        var resumePatternIndex = -1;
        var resumeCursor = default(NormalizedPath.SegmentCursor);

        while (true)
        {
            if (cursor.AtEnd)
            {
                // What is left of the pattern must be able to match nothing: only "**" can.
                while (patternIndex < _segments.Length && _segments[patternIndex].Kind == SegmentKind.AnyDepth)
                {
                    patternIndex++;
                }

                return patternIndex == _segments.Length;
            }

            if (patternIndex < _segments.Length && _segments[patternIndex].Kind == SegmentKind.AnyDepth)
            {
                resumePatternIndex = ++patternIndex;
                resumeCursor = cursor;
                continue;
            }

            var afterSegment = cursor;
            afterSegment.TryNext(out var pathSegment);
            if (patternIndex < _segments.Length && _segments[patternIndex].Matches(pathSegment))
            {
                patternIndex++;
                cursor = afterSegment;
                continue;
            }

            if (resumePatternIndex < 0)
            {
                return false;
            }

            resumeCursor.TryNext(out _);
            cursor = resumeCursor;
            patternIndex = resumePatternIndex;
        }
    }

    public override string ToString() => Pattern;

    private static string? Validate(string pattern)
    {
        if (pattern.Length == 0)
        {
            return "it is empty (write an absolute path such as \"/var/log/**\")";
        }

        if (pattern[0] != '/')
        {
            return "it is not absolute (start it with '/', e.g. \"/var/log/**\")";
        }

        if (pattern.Contains('\0'))
        {
            return "it contains a NUL character (remove it)";
        }

        if (pattern.Contains("//", StringComparison.Ordinal))
        {
            return "it contains \"//\" (use a single '/' between segments)";
        }

        if (pattern.Length > 1 && pattern[^1] == '/')
        {
            return "it ends with '/' (remove the trailing slash; use \"/dir/**\" for a directory and everything below it)";
        }

        var unsupported = pattern.IndexOfAny(['[', ']', '{', '}', '\\']);
        if (unsupported >= 0)
        {
            return $"'{pattern[unsupported]}' is not supported (only *, ? and ** are wildcards; list each path separately)";
        }

        if (pattern.Length == 1)
        {
            return null;
        }

        foreach (var segment in pattern[1..].Split('/'))
        {
            if (segment is "." or "..")
            {
                return $"it contains a \"{segment}\" segment (write the path without \".\" and \"..\")";
            }

            if (segment != "**" && segment.Contains("**", StringComparison.Ordinal))
            {
                return $"segment \"{segment}\" mixes ** with other characters (** must be a whole segment, e.g. \"/var/log/**\"; use * within a segment)";
            }
        }

        return null;
    }

    private static Segment ToSegment(string text) => text switch
    {
        "**" => new Segment(SegmentKind.AnyDepth, text),
        _ when text.AsSpan().IndexOfAny('*', '?') >= 0 => new Segment(SegmentKind.Wildcard, text),
        _ => new Segment(SegmentKind.Literal, text),
    };

    private enum SegmentKind
    {
        Literal,
        Wildcard,
        AnyDepth,
    }

    private readonly record struct Segment(SegmentKind Kind, string Text)
    {
        public bool Matches(ReadOnlySpan<char> name) => Kind switch
        {
            SegmentKind.Literal => name.SequenceEqual(Text),
            SegmentKind.Wildcard => WildcardText.IsMatch(Text, name, separator: '/'),
            _ => true,
        };
    }
}

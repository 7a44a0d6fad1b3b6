namespace PrivSep.Broker.Policy;

/// <summary>
/// The directories writes are confined to: the literal directory prefix of each
/// <c>files.write</c> glob. The broker opens a root once and resolves the rest of a write path
/// beneath it (RESOLVE_BENEATH), so it must split a path into (root, path relative to the root).
/// </summary>
internal sealed class WriteRootSet
{
    // Deepest first, so that the first root containing a path is the longest one.
    private readonly string[] _rootsDeepestFirst;

    public WriteRootSet(IEnumerable<string> roots)
    {
        var distinct = roots.Distinct(StringComparer.Ordinal).ToArray();
        Roots = Array.AsReadOnly(distinct);
        _rootsDeepestFirst = [.. distinct.OrderByDescending(SegmentCount).ThenBy(r => r, StringComparer.Ordinal)];
    }

    /// <summary>In the order the policy first names them, without duplicates.</summary>
    public IReadOnlyList<string> Roots { get; }

    public bool TryGetRoot(string normalizedAbsolutePath, out string root, out string relativePath)
    {
        if (NormalizedPath.IsNormalizedAbsolute(normalizedAbsolutePath))
        {
            foreach (var candidate in _rootsDeepestFirst)
            {
                if (NormalizedPath.IsSameOrBelow(candidate, normalizedAbsolutePath, out var relativeStart))
                {
                    root = candidate;
                    relativePath = normalizedAbsolutePath[relativeStart..];
                    return true;
                }
            }
        }

        root = string.Empty;
        relativePath = string.Empty;
        return false;
    }

    private static int SegmentCount(string normalizedPath) =>
        normalizedPath.Length == 1 ? 0 : normalizedPath.AsSpan().Count('/');
}

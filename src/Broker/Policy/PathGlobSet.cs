namespace PrivSep.Broker.Policy;

/// <summary>
/// The compiled globs of one policy section (<c>files.read</c>, <c>files.write</c> or
/// <c>files.deny</c>), in the order written, each with the rule text a decision will cite. Rule
/// texts are built once at load so that a check allocates nothing.
/// </summary>
internal sealed class PathGlobSet
{
    private readonly PathGlob[] _globs;
    private readonly string[] _ruleNames;

    public PathGlobSet(string sectionName, IReadOnlyList<PathGlob> globs)
    {
        SectionName = sectionName;
        _globs = [.. globs];
        _ruleNames = [.. globs.Select((glob, index) => $"{sectionName}[{index}] \"{glob.Pattern}\"")];
        Patterns = Array.AsReadOnly(_globs.Select(g => g.Pattern).ToArray());
    }

    /// <summary>e.g. "files.read".</summary>
    public string SectionName { get; }

    public IReadOnlyList<string> Patterns { get; }

    public IReadOnlyList<PathGlob> Globs => _globs;

    /// <summary>The rule text a decision cites for the glob at <paramref name="index"/>, e.g. <c>files.write[0] "/srv/**"</c>.</summary>
    public string RuleName(int index) => _ruleNames[index];

    /// <summary>
    /// The rule text of the first glob that matches <paramref name="normalizedPath"/>, or null.
    /// The caller has checked that the path is normalized absolute.
    /// </summary>
    public string? FindFirstMatch(ReadOnlySpan<char> normalizedPath)
    {
        for (var i = 0; i < _globs.Length; i++)
        {
            if (_globs[i].IsMatchNormalized(normalizedPath))
            {
                return _ruleNames[i];
            }
        }

        return null;
    }
}

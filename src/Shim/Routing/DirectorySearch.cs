using System.IO.Enumeration;

namespace PrivSep.Shim.Routing;

/// <summary>What a Directory enumeration member returns: files, directories, or both.</summary>
internal enum SearchTarget
{
    Files,
    Directories,
    Both,
}

/// <summary>
/// A directory search normalised the way the BCL's <c>FileSystemEnumerableFactory.NormalizeInputs</c> does it: a directory
/// part of the pattern moves into the directory (<c>("dir", "sub/*.txt")</c> searches <c>dir/sub</c>), Win32 patterns are
/// translated to DOS wildcards, and names match with <see cref="FileSystemName"/>, so brokered results equal the BCL's.
/// </summary>
internal sealed class DirectorySearch
{
    private DirectorySearch(string directory, string expression, SearchTarget target, EnumerationOptions options)
    {
        this.Directory = directory;
        this.Expression = expression;
        this.Target = target;
        this.Options = options;
    }

    /// <summary>The directory as the caller spelled it (plus any directory part of the pattern): results are joined onto it.</summary>
    public string Directory { get; }

    public string Expression { get; }

    public SearchTarget Target { get; }

    public EnumerationOptions Options { get; }

    /// <summary>Validates and normalises as <c>Directory.InternalEnumeratePaths</c> does; throws what it throws.</summary>
    public static DirectorySearch Create(string path, string searchPattern, SearchTarget target, EnumerationOptions options)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(searchPattern);

        ArgumentNullException.ThrowIfNull(options, "enumerationOptions");
        MatchType matchType = options.MatchType;
        string directory = path;
        string expression = searchPattern;

        if (Path.IsPathRooted(expression))
        {
            throw new ArgumentException("Second path fragment must not be a drive or UNC name.", "expression");
        }

        // The BCL passes the offending string as the parameter name here; kept for identical exceptions.
        if (expression.Contains('\0'))
        {
            throw new ArgumentException("Null character in path.", expression);
        }

        if (directory.Contains('\0'))
        {
            throw new ArgumentException("Null character in path.", directory);
        }

        ReadOnlySpan<char> directoryPart = Path.GetDirectoryName(expression.AsSpan());
        if (directoryPart.Length != 0)
        {
            directory = Path.Join(directory.AsSpan(), directoryPart);
            expression = expression[(directoryPart.Length + 1)..];
        }

        expression = matchType switch
        {
            MatchType.Simple => expression,
            MatchType.Win32 => TranslateWin32(expression),
            _ => throw new ArgumentOutOfRangeException(nameof(matchType)),
        };

        return new DirectorySearch(directory, expression, target, options);
    }

    /// <summary>The options the SearchOption overloads use (<c>EnumerationOptions.FromSearchOption</c>).</summary>
    public static EnumerationOptions FromSearchOption(SearchOption searchOption)
    {
        if (searchOption is not (SearchOption.TopDirectoryOnly or SearchOption.AllDirectories))
        {
            throw new ArgumentOutOfRangeException(nameof(searchOption), "Enum value was out of legal range.");
        }

        return searchOption == SearchOption.AllDirectories
            ? new EnumerationOptions { RecurseSubdirectories = true, MatchType = MatchType.Win32, AttributesToSkip = 0, IgnoreInaccessible = false }
            : Compatible();
    }

    /// <summary>The options of the overloads that take none (<c>EnumerationOptions.Compatible</c>).</summary>
    public static EnumerationOptions Compatible() =>
        new() { MatchType = MatchType.Win32, AttributesToSkip = 0, IgnoreInaccessible = false };

    public bool Includes(bool isDirectory) => this.Target switch
    {
        SearchTarget.Files => !isDirectory,
        SearchTarget.Directories => isDirectory,
        _ => true,
    };

    public bool Matches(string name)
    {
        // Linux file names are case-sensitive, so PlatformDefault means case-sensitive here.
        bool ignoreCase = this.Options.MatchCasing == MatchCasing.CaseInsensitive;
        return this.Options.MatchType switch
        {
            MatchType.Simple => FileSystemName.MatchesSimpleExpression(this.Expression, name, ignoreCase),
            MatchType.Win32 => FileSystemName.MatchesWin32Expression(this.Expression, name, ignoreCase),
            _ => throw new ArgumentOutOfRangeException("options"),
        };
    }

    private static string TranslateWin32(string expression)
    {
        if (expression == "*")
        {
            return expression;
        }

        // Historically "", "." and "*.*" all mean "everything".
        if (expression.Length == 0 || expression == "." || expression == "*.*")
        {
            return "*";
        }

        // '\', '"', '<' and '>' are DOS wildcard syntax but ordinary characters in Linux names: escape them first.
        if (expression.AsSpan().ContainsAny("\\\"<>"))
        {
            expression = expression.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace(">", "\\>").Replace("<", "\\<");
        }

        return FileSystemName.TranslateWin32Expression(expression);
    }
}

using PrivSep.Shim.Routing;

namespace PrivSep.Shim.Replacements;

/// <summary>
/// Directory.GetFiles, EnumerateFiles, GetDirectories, EnumerateDirectories and EnumerateFileSystemEntries, every overload.
/// After a refusal the search runs as a <see cref="DirectoryWalk"/> (the BCL's rules over listings that come from the
/// broker only for the directories that need it); results are joined onto the path as the caller spelled it.
/// </summary>
public static partial class DirectoryShims
{
    [Replaces("M:System.IO.Directory.GetFiles(System.String)")]
    public static string[] GetFiles(string path) =>
        EnumerationRoute.GetAll(() => Directory.GetFiles(path), () => DirectorySearch.Create(path, "*", SearchTarget.Files, DirectorySearch.Compatible()));

    [Replaces("M:System.IO.Directory.GetFiles(System.String,System.String)")]
    public static string[] GetFiles(string path, string searchPattern) =>
        EnumerationRoute.GetAll(() => Directory.GetFiles(path, searchPattern), () => DirectorySearch.Create(path, searchPattern, SearchTarget.Files, DirectorySearch.Compatible()));

    [Replaces("M:System.IO.Directory.GetFiles(System.String,System.String,System.IO.SearchOption)")]
    public static string[] GetFiles(string path, string searchPattern, SearchOption searchOption) =>
        EnumerationRoute.GetAll(() => Directory.GetFiles(path, searchPattern, searchOption), () => DirectorySearch.Create(path, searchPattern, SearchTarget.Files, DirectorySearch.FromSearchOption(searchOption)));

    [Replaces("M:System.IO.Directory.GetFiles(System.String,System.String,System.IO.EnumerationOptions)")]
    public static string[] GetFiles(string path, string searchPattern, EnumerationOptions enumerationOptions) =>
        EnumerationRoute.GetAll(() => Directory.GetFiles(path, searchPattern, enumerationOptions), () => DirectorySearch.Create(path, searchPattern, SearchTarget.Files, enumerationOptions));

    [Replaces("M:System.IO.Directory.EnumerateFiles(System.String)")]
    public static IEnumerable<string> EnumerateFiles(string path) =>
        EnumerationRoute.Enumerate(() => Directory.EnumerateFiles(path), () => DirectorySearch.Create(path, "*", SearchTarget.Files, DirectorySearch.Compatible()));

    [Replaces("M:System.IO.Directory.EnumerateFiles(System.String,System.String)")]
    public static IEnumerable<string> EnumerateFiles(string path, string searchPattern) =>
        EnumerationRoute.Enumerate(() => Directory.EnumerateFiles(path, searchPattern), () => DirectorySearch.Create(path, searchPattern, SearchTarget.Files, DirectorySearch.Compatible()));

    [Replaces("M:System.IO.Directory.EnumerateFiles(System.String,System.String,System.IO.SearchOption)")]
    public static IEnumerable<string> EnumerateFiles(string path, string searchPattern, SearchOption searchOption) =>
        EnumerationRoute.Enumerate(() => Directory.EnumerateFiles(path, searchPattern, searchOption), () => DirectorySearch.Create(path, searchPattern, SearchTarget.Files, DirectorySearch.FromSearchOption(searchOption)));

    [Replaces("M:System.IO.Directory.EnumerateFiles(System.String,System.String,System.IO.EnumerationOptions)")]
    public static IEnumerable<string> EnumerateFiles(string path, string searchPattern, EnumerationOptions enumerationOptions) =>
        EnumerationRoute.Enumerate(() => Directory.EnumerateFiles(path, searchPattern, enumerationOptions), () => DirectorySearch.Create(path, searchPattern, SearchTarget.Files, enumerationOptions));

    [Replaces("M:System.IO.Directory.GetDirectories(System.String)")]
    public static string[] GetDirectories(string path) =>
        EnumerationRoute.GetAll(() => Directory.GetDirectories(path), () => DirectorySearch.Create(path, "*", SearchTarget.Directories, DirectorySearch.Compatible()));

    [Replaces("M:System.IO.Directory.GetDirectories(System.String,System.String)")]
    public static string[] GetDirectories(string path, string searchPattern) =>
        EnumerationRoute.GetAll(() => Directory.GetDirectories(path, searchPattern), () => DirectorySearch.Create(path, searchPattern, SearchTarget.Directories, DirectorySearch.Compatible()));

    [Replaces("M:System.IO.Directory.GetDirectories(System.String,System.String,System.IO.SearchOption)")]
    public static string[] GetDirectories(string path, string searchPattern, SearchOption searchOption) =>
        EnumerationRoute.GetAll(() => Directory.GetDirectories(path, searchPattern, searchOption), () => DirectorySearch.Create(path, searchPattern, SearchTarget.Directories, DirectorySearch.FromSearchOption(searchOption)));

    [Replaces("M:System.IO.Directory.GetDirectories(System.String,System.String,System.IO.EnumerationOptions)")]
    public static string[] GetDirectories(string path, string searchPattern, EnumerationOptions enumerationOptions) =>
        EnumerationRoute.GetAll(() => Directory.GetDirectories(path, searchPattern, enumerationOptions), () => DirectorySearch.Create(path, searchPattern, SearchTarget.Directories, enumerationOptions));

    [Replaces("M:System.IO.Directory.EnumerateDirectories(System.String)")]
    public static IEnumerable<string> EnumerateDirectories(string path) =>
        EnumerationRoute.Enumerate(() => Directory.EnumerateDirectories(path), () => DirectorySearch.Create(path, "*", SearchTarget.Directories, DirectorySearch.Compatible()));

    [Replaces("M:System.IO.Directory.EnumerateDirectories(System.String,System.String)")]
    public static IEnumerable<string> EnumerateDirectories(string path, string searchPattern) =>
        EnumerationRoute.Enumerate(() => Directory.EnumerateDirectories(path, searchPattern), () => DirectorySearch.Create(path, searchPattern, SearchTarget.Directories, DirectorySearch.Compatible()));

    [Replaces("M:System.IO.Directory.EnumerateDirectories(System.String,System.String,System.IO.SearchOption)")]
    public static IEnumerable<string> EnumerateDirectories(string path, string searchPattern, SearchOption searchOption) =>
        EnumerationRoute.Enumerate(() => Directory.EnumerateDirectories(path, searchPattern, searchOption), () => DirectorySearch.Create(path, searchPattern, SearchTarget.Directories, DirectorySearch.FromSearchOption(searchOption)));

    [Replaces("M:System.IO.Directory.EnumerateDirectories(System.String,System.String,System.IO.EnumerationOptions)")]
    public static IEnumerable<string> EnumerateDirectories(string path, string searchPattern, EnumerationOptions enumerationOptions) =>
        EnumerationRoute.Enumerate(() => Directory.EnumerateDirectories(path, searchPattern, enumerationOptions), () => DirectorySearch.Create(path, searchPattern, SearchTarget.Directories, enumerationOptions));

    [Replaces("M:System.IO.Directory.EnumerateFileSystemEntries(System.String)")]
    public static IEnumerable<string> EnumerateFileSystemEntries(string path) =>
        EnumerationRoute.Enumerate(() => Directory.EnumerateFileSystemEntries(path), () => DirectorySearch.Create(path, "*", SearchTarget.Both, DirectorySearch.Compatible()));

    [Replaces("M:System.IO.Directory.EnumerateFileSystemEntries(System.String,System.String)")]
    public static IEnumerable<string> EnumerateFileSystemEntries(string path, string searchPattern) =>
        EnumerationRoute.Enumerate(() => Directory.EnumerateFileSystemEntries(path, searchPattern), () => DirectorySearch.Create(path, searchPattern, SearchTarget.Both, DirectorySearch.Compatible()));

    [Replaces("M:System.IO.Directory.EnumerateFileSystemEntries(System.String,System.String,System.IO.SearchOption)")]
    public static IEnumerable<string> EnumerateFileSystemEntries(string path, string searchPattern, SearchOption searchOption) =>
        EnumerationRoute.Enumerate(() => Directory.EnumerateFileSystemEntries(path, searchPattern, searchOption), () => DirectorySearch.Create(path, searchPattern, SearchTarget.Both, DirectorySearch.FromSearchOption(searchOption)));

    [Replaces("M:System.IO.Directory.EnumerateFileSystemEntries(System.String,System.String,System.IO.EnumerationOptions)")]
    public static IEnumerable<string> EnumerateFileSystemEntries(string path, string searchPattern, EnumerationOptions enumerationOptions) =>
        EnumerationRoute.Enumerate(() => Directory.EnumerateFileSystemEntries(path, searchPattern, enumerationOptions), () => DirectorySearch.Create(path, searchPattern, SearchTarget.Both, enumerationOptions));
}

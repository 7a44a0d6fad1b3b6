namespace PrivSep.Shim.Tests.Support;

/// <summary>
/// A small tree with what enumeration rules care about: nested directories, hidden files and directories, names that
/// DOS wildcards treat specially, a symbolic link to a file, one to a directory, and a dangling one.
/// </summary>
internal static class DirectoryTree
{
    public static TempDirectory Create()
    {
        var temp = new TempDirectory();
        foreach (string file in new[]
        {
            "top.txt", "top.log", "README", "noext.", ".hidden.txt", "data.tar.gz", "UPPER.TXT",
            "a/one.txt", "a/two.log", "a/b/three.txt", "a/b/c/four.txt", ".hiddendir/secret.txt", "empty/.keep",
        })
        {
            temp.Write(file, file);
        }

        File.CreateSymbolicLink(temp["link-to-file"], "top.txt");
        Directory.CreateSymbolicLink(temp["link-to-dir"], "a/b");
        File.CreateSymbolicLink(temp["dangling"], "nowhere");
        return temp;
    }

    /// <summary>Option sets that exercise every rule of the enumeration (recursion, depth, attributes, matching).</summary>
    public static IEnumerable<(string Name, EnumerationOptions Options)> OptionSets()
    {
        yield return ("default", new EnumerationOptions());
        yield return ("recursive", new EnumerationOptions { RecurseSubdirectories = true });
        yield return ("recursive, nothing skipped", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 });
        yield return ("depth 1", new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 1, AttributesToSkip = 0 });
        yield return ("win32 matching", new EnumerationOptions { RecurseSubdirectories = true, MatchType = MatchType.Win32, AttributesToSkip = 0 });
        yield return ("case-insensitive", new EnumerationOptions { RecurseSubdirectories = true, MatchCasing = MatchCasing.CaseInsensitive });
        yield return ("skip links", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint });
        yield return ("skip directories", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.Directory });
        yield return ("special directories", new EnumerationOptions { ReturnSpecialDirectories = true, AttributesToSkip = 0 });
    }

    public static readonly string[] Patterns = ["*", "*.txt", "*.*", "t*", "?op.txt", "*.TXT", "noext", "a/*.txt", "*.", "data.tar*", "<", ""];
}

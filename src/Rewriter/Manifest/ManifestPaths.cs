namespace PrivSep.Rewriter.Manifest;

/// <summary>File names, which files count as assemblies, and how files are named and hashed in a manifest.</summary>
public static class ManifestPaths
{
    public const string ManifestFileName = "privsep.manifest.json";

    public const string SignatureFileName = "privsep.manifest.sig";

    /// <summary>
    /// Every file of the folder, recursively, whose name ends in .dll or .exe (any case), hidden ones included:
    /// the set a host could load. Returned as manifest paths ('/'-separated, relative), sorted ordinally.
    /// </summary>
    public static IReadOnlyList<string> EnumerateAssemblies(string directory)
    {
        var options = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            AttributesToSkip = 0, // Unix hides dot files; a hidden .dll can still be loaded, so it must be seen.
            IgnoreInaccessible = false,
            MatchType = MatchType.Simple,
            ReturnSpecialDirectories = false,
        };
        var files = new List<string>();
        foreach (string path in Directory.EnumerateFiles(directory, "*", options))
        {
            if (IsAssemblyFileName(path))
            {
                files.Add(ToManifestPath(Path.GetRelativePath(directory, path)));
            }
        }

        files.Sort(StringComparer.Ordinal);
        return files;
    }

    public static bool IsAssemblyFileName(string path) =>
        path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".exe", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// A relative path with '/' separators, as the manifest lists files. Only the platform's own separator is translated:
    /// on Linux '\' is an ordinary character of a file name, and "sub\libx.so" must never be taken for "sub/libx.so"
    /// (such a name stays as it is, and <see cref="IsSafeManifestPath"/> refuses it as an entry).
    /// </summary>
    public static string ToManifestPath(string relativePath) =>
        Path.DirectorySeparatorChar == '/' ? relativePath : relativePath.Replace(Path.DirectorySeparatorChar, '/');

    /// <summary>
    /// True for a relative, '/'-separated path without empty, "." or ".." segments: a manifest entry that stays inside
    /// the folder it describes.
    /// </summary>
    public static bool IsSafeManifestPath(string path)
    {
        if (string.IsNullOrEmpty(path) || path.StartsWith('/') || path.Contains('\\') || path.Contains('\0'))
        {
            return false;
        }

        foreach (string segment in path.Split('/'))
        {
            if (segment is "" or "." or "..")
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Lowercase hexadecimal SHA-256 of a regular file's bytes (a link or special file is refused: <see cref="FolderEntries.Sha256OfRegularFile"/>).</summary>
    public static string Sha256OfFile(string path) => FolderEntries.Sha256OfRegularFile(path);
}

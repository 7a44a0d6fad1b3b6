using PrivSep.Protocol.Contracts;

namespace PrivSep.Shim.Routing;

/// <summary>
/// Enumerates a <see cref="DirectorySearch"/> over <see cref="DirectoryListing"/>s with the rules of the BCL's
/// <c>FileSystemEnumerator</c> on Unix, so brokered results come in the same order with the same paths: breadth-first,
/// "." and ".." only on request, <see cref="EnumerationOptions.AttributesToSkip"/> checked before recursing (for
/// Directory, ReparsePoint, Hidden and ReadOnly, the attributes Unix has), symbolic links to directories followed,
/// subdirectories that vanish skipped, refused ones skipped only with <see cref="EnumerationOptions.IgnoreInaccessible"/>.
/// </summary>
internal static class DirectoryWalk
{
    private static readonly string[] SpecialDirectories = [".", ".."];

    /// <summary>Opens the top directory now, so that a missing or refused directory throws at call time as in the BCL.</summary>
    public static IEnumerable<string> Start(DirectorySearch search)
    {
        var opened = Walk(search, OpenTop(search));
        return new ReopeningEnumerable<string>(opened, () => Walk(search, OpenTop(search)));
    }

    private static TopDirectory OpenTop(DirectorySearch search)
    {
        // The BCL trims the separator from the full path but joins results onto the path as the caller spelled it.
        string fullPath = Path.TrimEndingDirectorySeparator(Path.GetFullPath(search.Directory));
        try
        {
            return new TopDirectory(fullPath, DirectoryListing.Open(fullPath));
        }
        catch (UnauthorizedAccessException) when (search.Options.IgnoreInaccessible)
        {
            return new TopDirectory(fullPath, null);
        }
    }

    private static IEnumerable<string> Walk(DirectorySearch search, TopDirectory top)
    {
        var options = search.Options;
        var pending = new Queue<PendingDirectory>();
        var current = new PendingDirectory(top.FullPath, string.Empty, options.MaxRecursionDepth);
        IEnumerable<DirectoryEntry>? listing = top.Listing;

        while (true)
        {
            if (listing is not null)
            {
                if (options.ReturnSpecialDirectories && search.Includes(isDirectory: true))
                {
                    foreach (string special in SpecialDirectories)
                    {
                        if (search.Matches(special))
                        {
                            yield return Path.Join(search.Directory, current.RelativePath, special);
                        }
                    }
                }

                foreach (var entry in listing)
                {
                    bool isDirectory = entry.Kind == FileSystemEntryKind.Directory;
                    if (IsSkipped(entry, isDirectory, options.AttributesToSkip))
                    {
                        continue;
                    }

                    if (isDirectory && options.RecurseSubdirectories && current.RemainingDepth > 0)
                    {
                        pending.Enqueue(new PendingDirectory(
                            Path.Join(current.FullPath, entry.Name),
                            Path.Join(current.RelativePath, entry.Name),
                            current.RemainingDepth - 1));
                    }

                    if (search.Includes(isDirectory) && search.Matches(entry.Name))
                    {
                        yield return Path.Join(search.Directory, current.RelativePath, entry.Name);
                    }
                }
            }

            if (!pending.TryDequeue(out current))
            {
                yield break;
            }

            listing = OpenSubdirectory(current.FullPath, options);
        }
    }

    private static IEnumerable<DirectoryEntry>? OpenSubdirectory(string fullPath, EnumerationOptions options)
    {
        try
        {
            return DirectoryListing.Open(fullPath);
        }
        catch (Exception ex) when (ex is DirectoryNotFoundException or FileNotFoundException)
        {
            // Removed (or replaced by a file) since its parent was listed: the BCL skips it too.
            return null;
        }
        catch (UnauthorizedAccessException) when (options.IgnoreInaccessible)
        {
            return null;
        }
    }

    private static bool IsSkipped(DirectoryEntry entry, bool isDirectory, FileAttributes toSkip)
    {
        if (toSkip == 0)
        {
            return false;
        }

        // Unix has no Hidden bit: a leading dot is what the BCL calls hidden, whatever the source reported.
        bool isHidden = entry.Name.StartsWith('.') || (entry.Attributes & FileAttributes.Hidden) != 0;
        return ((toSkip & FileAttributes.Directory) != 0 && isDirectory)
            || ((toSkip & FileAttributes.ReparsePoint) != 0 && (entry.Attributes & FileAttributes.ReparsePoint) != 0)
            || ((toSkip & FileAttributes.Hidden) != 0 && isHidden)
            || ((toSkip & FileAttributes.ReadOnly) != 0 && (entry.Attributes & FileAttributes.ReadOnly) != 0);
    }

    private readonly record struct TopDirectory(string FullPath, IEnumerable<DirectoryEntry>? Listing);

    private readonly record struct PendingDirectory(string FullPath, string RelativePath, int RemainingDepth);
}

using System.IO.Enumeration;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Shim.Routing;

/// <summary>
/// One directory's entries, from the kernel when the agent may read it and from the broker when it may not (or when every
/// call goes to the broker). A walk over a tree thus asks the broker only about the directories that need privilege.
/// </summary>
internal static class DirectoryListing
{
    // Everything, unfiltered: DirectoryWalk applies the caller's options itself, identically for both sources.
    private static readonly EnumerationOptions Unfiltered = new() { AttributesToSkip = 0, IgnoreInaccessible = false };

    /// <summary>Opens now (a missing or refused directory throws here); entries are read lazily.</summary>
    public static IEnumerable<DirectoryEntry> Open(string fullPath) =>
        FastPath.Run(FallbackRule.ForDirectory, () => Direct(fullPath), () => BrokerActions.Current.EnumerateDirectory(fullPath));

    private static IEnumerable<DirectoryEntry> Direct(string fullPath) =>
        new FileSystemEnumerable<DirectoryEntry>(fullPath, ToEntry, Unfiltered);

    // IsDirectory follows symbolic links and Attributes keeps ReparsePoint for them: the view the broker gives, which
    // follows a link only where the policy lets the client read its target (any other link is a File, ReparsePoint).
    private static DirectoryEntry ToEntry(ref FileSystemEntry entry) => new(
        entry.FileName.ToString(),
        entry.IsDirectory ? FileSystemEntryKind.Directory : FileSystemEntryKind.File,
        entry.Attributes,
        entry.IsDirectory ? 0 : entry.Length,
        entry.LastWriteTimeUtc.UtcDateTime);
}

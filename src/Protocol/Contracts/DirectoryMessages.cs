namespace PrivSep.Protocol.Contracts;

public sealed record OpenDirectoryResponse(long Handle, string ResolvedPath);

public sealed record ReadDirectoryRequest(long Handle, int MaxEntries);

public sealed record DirectoryEntry(
    string Name,
    FileSystemEntryKind Kind,
    FileAttributes Attributes,
    long Length,
    DateTime LastWriteTimeUtc);

/// <param name="IsLast">No entries follow this page; the broker has already freed the handle.</param>
public sealed record DirectoryPage(IReadOnlyList<DirectoryEntry> Entries, bool IsLast);

public sealed record CloseHandleRequest(long Handle);

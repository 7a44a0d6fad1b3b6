namespace PrivSep.Protocol.Contracts;

/// <summary>dir.create: the directory and its missing parents.</summary>
/// <param name="UnixCreateMode">Permission bits of each directory created (the client's umask applied); null for the broker's default.</param>
public sealed record CreateDirectoryRequest(string Path, int? UnixCreateMode = null, string? Plugin = null);

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

namespace PrivSep.Protocol.Contracts;

/// <summary>A request naming one path. <paramref name="Plugin"/> is what the client says; the broker audits it as a claim.</summary>
public sealed record PathRequest(string Path, string? Plugin = null);

public sealed record OpenFileRequest(
    string Path,
    FileMode Mode,
    FileAccess Access,
    FileShare Share = FileShare.Read,
    FileOptions Options = FileOptions.None,
    string? Plugin = null);

/// <param name="DescriptorSequence">Which descriptor, in the order the broker sent them on this connection (0-based), belongs to this response.</param>
/// <param name="ResolvedPath">The path of the object actually opened, as the broker checked it.</param>
public sealed record OpenFileResponse(long DescriptorSequence, string ResolvedPath);

public sealed record MoveFileRequest(string Source, string Destination, bool Overwrite, string? Plugin = null);

public enum FileSystemEntryKind
{
    None = 0,
    File = 1,
    Directory = 2,
    Other = 3,
}

public sealed record FileStatusResponse(
    FileSystemEntryKind Kind,
    FileAttributes Attributes,
    long Length,
    DateTime LastWriteTimeUtc,
    DateTime LastAccessTimeUtc,
    string? ResolvedPath)
{
    public bool Exists => Kind != FileSystemEntryKind.None;
}

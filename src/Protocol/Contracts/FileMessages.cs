namespace PrivSep.Protocol.Contracts;

/// <summary>A request naming one path. <paramref name="Plugin"/> is what the client says; the broker audits it as a claim.</summary>
public sealed record PathRequest(string Path, string? Plugin = null);

/// <param name="UnixCreateMode">
/// The permission bits of a file this open creates, as the client's BCL would create it (the requested or default mode
/// with the client's umask applied); null for the broker's default. Set-user-ID and set-group-ID bits are refused.
/// </param>
/// <param name="ClientTruncates">
/// For <see cref="FileMode.Create"/> and <see cref="FileMode.Truncate"/>: the broker opens an existing file without
/// truncating it and the client truncates through the descriptor once it holds the <see cref="FileShare"/> lock, as the
/// BCL does on Unix (a conflicting lock then leaves the file intact).
/// </param>
public sealed record OpenFileRequest(
    string Path,
    FileMode Mode,
    FileAccess Access,
    FileShare Share = FileShare.Read,
    FileOptions Options = FileOptions.None,
    string? Plugin = null,
    int? UnixCreateMode = null,
    bool ClientTruncates = false);

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

/// <summary>What the broker tells of an object: the summary older clients read, and the raw status the BCL computes its answers from.</summary>
/// <param name="UnixMode">The object's st_mode: file type and permission bits (set-ID and sticky included).</param>
/// <param name="OwnerId">st_uid.</param>
/// <param name="GroupId">st_gid.</param>
/// <param name="ChangeTimeUtc">st_ctime.</param>
/// <param name="BirthTimeUtc">statx's btime where the file system records one, else null.</param>
/// <param name="LinkTarget">For file.lstat of a symbolic link: the link's text (readlink), else null.</param>
/// <param name="LinkTargetStatus">
/// For file.lstat of a symbolic link: the status of what the link resolves to, when the policy lets the client read
/// that object and it exists; null otherwise (a dangling link and a denied target look the same).
/// </param>
public sealed record FileStatusResponse(
    FileSystemEntryKind Kind,
    FileAttributes Attributes,
    long Length,
    DateTime LastWriteTimeUtc,
    DateTime LastAccessTimeUtc,
    string? ResolvedPath,
    int UnixMode = 0,
    long OwnerId = 0,
    long GroupId = 0,
    DateTime ChangeTimeUtc = default,
    DateTime? BirthTimeUtc = null,
    string? LinkTarget = null,
    FileStatusResponse? LinkTargetStatus = null)
{
    public bool Exists => Kind != FileSystemEntryKind.None;
}

/// <summary>file.settimes: sets the access and/or modification time (null leaves one unchanged).</summary>
/// <param name="FollowLinks">False to set the times of a symbolic link itself (AT_SYMLINK_NOFOLLOW).</param>
public sealed record SetFileTimesRequest(
    string Path,
    DateTime? LastAccessTimeUtc,
    DateTime? LastWriteTimeUtc,
    bool FollowLinks = true,
    string? Plugin = null);

/// <summary>file.setmode: chmod. Set-user-ID and set-group-ID bits are refused.</summary>
public sealed record SetFileModeRequest(string Path, int Mode, string? Plugin = null);

/// <summary>link.create: a symbolic link at <paramref name="Path"/> whose text is <paramref name="Target"/> (confined like a path).</summary>
public sealed record CreateSymbolicLinkRequest(string Path, string Target, string? Plugin = null);

using System.Net.NetworkInformation;
using Microsoft.Win32.SafeHandles;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Shim.Routing;

/// <summary>
/// The broker's actions as the replacements use them, mirroring the client facade (<see cref="Client.BrokeredFileSystem"/>,
/// <see cref="Client.BrokeredPing"/>, <see cref="Client.BrokeredCommands"/>). An interface so that the replacements' brokered
/// semantics (BOM detection, path joining, append positioning, pattern matching, where a command runs) can be tested
/// against a stand-in while the broker itself is elsewhere.
/// </summary>
internal interface IBrokerActions
{
    FileStream OpenFile(string path, FileMode mode, FileAccess access, FileShare share, int bufferSize, FileOptions options);

    Task<FileStream> OpenFileAsync(string path, FileMode mode, FileAccess access, FileShare share, int bufferSize, FileOptions options, CancellationToken cancellationToken);

    /// <summary>
    /// The bare descriptor of a brokered open; FileStream's semantics (FileShare lock, truncation when
    /// <paramref name="clientTruncates"/>, append position) are the caller's to add.
    /// </summary>
    /// <param name="createMode">Mode of a file the open creates, umask applied; null for the broker's default.</param>
    SafeFileHandle OpenHandle(string path, FileMode mode, FileAccess access, FileShare share, FileOptions options, UnixFileMode? createMode, bool clientTruncates);

    Task<SafeFileHandle> OpenHandleAsync(string path, FileMode mode, FileAccess access, FileShare share, FileOptions options, UnixFileMode? createMode, bool clientTruncates, CancellationToken cancellationToken);

    FileStatusResponse GetStatus(string path);

    /// <summary>lstat: a symbolic link itself, with its text and (when the policy lets the client read it) its target's status.</summary>
    FileStatusResponse GetLinkStatus(string path);

    /// <summary>Null leaves that time unchanged.</summary>
    void SetTimes(string path, DateTime? lastAccessTimeUtc, DateTime? lastWriteTimeUtc, bool followLinks);

    void SetMode(string path, UnixFileMode mode);

    void CreateSymbolicLink(string path, string target);

    void MoveDirectory(string source, string destination);

    void DeleteFile(string path);

    void MoveFile(string source, string destination, bool overwrite);

    /// <param name="mode">Mode of each directory created, umask applied; null for the broker's default.</param>
    void CreateDirectory(string path, UnixFileMode? mode = null);

    void DeleteDirectory(string path, bool recursive);

    /// <summary>Names only, no "." or ".."; opened now, so a missing or refused directory throws here.</summary>
    IEnumerable<DirectoryEntry> EnumerateDirectory(string path);

    PingResponse Ping(string hostOrAddress, int timeoutMilliseconds, byte[] buffer, PingOptions? options);

    Task<PingResponse> PingAsync(string hostOrAddress, int timeoutMilliseconds, byte[] buffer, PingOptions? options, CancellationToken cancellationToken);

    /// <summary>exec.check: where the command runs. A refusal is an <see cref="UnauthorizedAccessException"/> naming the rule.</summary>
    ExecCheckResponse CheckCommand(ExecRequest request);
}

using System.Net.NetworkInformation;
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

    FileStatusResponse GetStatus(string path);

    void DeleteFile(string path);

    void MoveFile(string source, string destination, bool overwrite);

    void CreateDirectory(string path);

    void DeleteDirectory(string path, bool recursive);

    /// <summary>Names only, no "." or ".."; opened now, so a missing or refused directory throws here.</summary>
    IEnumerable<DirectoryEntry> EnumerateDirectory(string path);

    PingResponse Ping(string hostOrAddress, int timeoutMilliseconds, byte[] buffer, PingOptions? options);

    Task<PingResponse> PingAsync(string hostOrAddress, int timeoutMilliseconds, byte[] buffer, PingOptions? options, CancellationToken cancellationToken);

    /// <summary>exec.check: where the command runs. A refusal is an <see cref="UnauthorizedAccessException"/> naming the rule.</summary>
    ExecCheckResponse CheckCommand(ExecRequest request);
}

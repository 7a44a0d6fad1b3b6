using StreamJsonRpc;

namespace PrivSep.Protocol.Contracts;

/// <summary>The privileged actions the broker performs for an authenticated agent. Every call is policy-checked and audited.</summary>
[JsonRpcContract]
[PolyType.GenerateShape(IncludeMethods = PolyType.MethodShapeFlags.PublicInstance)]
public partial interface IBrokerService
{
    /// <summary>Opens a file; the descriptor travels back over the socket as SCM_RIGHTS, named by <see cref="OpenFileResponse.DescriptorSequence"/>.</summary>
    [JsonRpcMethod(BrokerMethods.OpenFile)]
    Task<OpenFileResponse> OpenFileAsync(OpenFileRequest request, CancellationToken cancellationToken);

    [JsonRpcMethod(BrokerMethods.GetFileStatus)]
    Task<FileStatusResponse> GetFileStatusAsync(PathRequest request, CancellationToken cancellationToken);

    /// <summary>As file.stat, of the last path component itself when it is a symbolic link (lstat), with the link's text and target.</summary>
    [JsonRpcMethod(BrokerMethods.GetLinkStatus)]
    Task<FileStatusResponse> GetLinkStatusAsync(PathRequest request, CancellationToken cancellationToken);

    [JsonRpcMethod(BrokerMethods.SetFileTimes)]
    Task SetFileTimesAsync(SetFileTimesRequest request, CancellationToken cancellationToken);

    [JsonRpcMethod(BrokerMethods.SetFileMode)]
    Task SetFileModeAsync(SetFileModeRequest request, CancellationToken cancellationToken);

    [JsonRpcMethod(BrokerMethods.CreateSymbolicLink)]
    Task CreateSymbolicLinkAsync(CreateSymbolicLinkRequest request, CancellationToken cancellationToken);

    [JsonRpcMethod(BrokerMethods.DeleteFile)]
    Task DeleteFileAsync(PathRequest request, CancellationToken cancellationToken);

    [JsonRpcMethod(BrokerMethods.MoveFile)]
    Task MoveFileAsync(MoveFileRequest request, CancellationToken cancellationToken);

    [JsonRpcMethod(BrokerMethods.CreateDirectory)]
    Task CreateDirectoryAsync(CreateDirectoryRequest request, CancellationToken cancellationToken);

    /// <summary>Renames a directory (never over an existing name); <see cref="MoveFileRequest.Overwrite"/> must be false.</summary>
    [JsonRpcMethod(BrokerMethods.MoveDirectory)]
    Task MoveDirectoryAsync(MoveFileRequest request, CancellationToken cancellationToken);

    /// <summary>Removes an empty directory; recursive deletion is the client's walk over <see cref="ReadDirectoryAsync"/>.</summary>
    [JsonRpcMethod(BrokerMethods.DeleteDirectory)]
    Task DeleteDirectoryAsync(PathRequest request, CancellationToken cancellationToken);

    /// <summary>Starts a paged directory enumeration whose state lives in the broker's per-connection handle table.</summary>
    [JsonRpcMethod(BrokerMethods.OpenDirectory)]
    Task<OpenDirectoryResponse> OpenDirectoryAsync(PathRequest request, CancellationToken cancellationToken);

    [JsonRpcMethod(BrokerMethods.ReadDirectory)]
    Task<DirectoryPage> ReadDirectoryAsync(ReadDirectoryRequest request, CancellationToken cancellationToken);

    [JsonRpcMethod(BrokerMethods.CloseHandle)]
    Task CloseHandleAsync(CloseHandleRequest request, CancellationToken cancellationToken);

    [JsonRpcMethod(BrokerMethods.Ping)]
    Task<PingResponse> PingAsync(PingRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Where a command runs: <see cref="ExecRoute.Broker"/> when a rule allows it, <see cref="ExecRoute.Local"/> when no
    /// rule names its path; a PolicyDenied error when a rule names the path but no rule matches the arguments, or when a
    /// bare name (a PATH lookup) would find a file a rule names. Audited either way.
    /// </summary>
    [JsonRpcMethod(BrokerMethods.CheckCommand)]
    Task<ExecCheckResponse> CheckCommandAsync(ExecRequest request, CancellationToken cancellationToken);

    /// <summary>Runs an allowed command; see <see cref="ExecStartResponse"/> for its stdio and lifetime.</summary>
    [JsonRpcMethod(BrokerMethods.StartCommand)]
    Task<ExecStartResponse> StartCommandAsync(ExecRequest request, CancellationToken cancellationToken);

    /// <summary>Waits (bounded) for a started command to end and its output to be relayed.</summary>
    [JsonRpcMethod(BrokerMethods.WaitCommand)]
    Task<ExecWaitResponse> WaitCommandAsync(ExecWaitRequest request, CancellationToken cancellationToken);

    [JsonRpcMethod(BrokerMethods.SignalCommand)]
    Task SignalCommandAsync(ExecSignalRequest request, CancellationToken cancellationToken);
}

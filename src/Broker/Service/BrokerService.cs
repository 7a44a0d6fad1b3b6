using PrivSep.Broker.Actions;
using PrivSep.Broker.Exec;
using PrivSep.Broker.Session;
using PrivSep.Protocol;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Broker.Service;

/// <summary>
/// The request table: each JSON-RPC method validates its arguments, builds its one action and hands it to the
/// pipeline. Nothing here decides policy or writes audit lines; the pipeline does both, once.
/// </summary>
internal sealed class BrokerService(BrokerState state, SessionContext session) : IBrokerService
{
    private readonly RequestPipeline pipeline = new(state, session);

    public async Task<OpenFileResponse> OpenFileAsync(OpenFileRequest request, CancellationToken cancellationToken)
    {
        var action = new OpenFileAction(Required(request));
        var opened = await this.RunAsync(request.Plugin, action, cancellationToken).ConfigureAwait(false);

        // Queued before the response is written, so the descriptor reaches the client no later than the response naming it.
        long sequence = session.SendDescriptor(opened.Handle);
        return new OpenFileResponse(sequence, opened.ResolvedPath);
    }

    public Task<FileStatusResponse> GetFileStatusAsync(PathRequest request, CancellationToken cancellationToken) =>
        this.RunAsync(request?.Plugin, new FileStatusAction(Required(request).Path), cancellationToken);

    // h-broker: the five actions below are the issue 11 primitives; until their handlers land they refuse.
    public Task<FileStatusResponse> GetLinkStatusAsync(PathRequest request, CancellationToken cancellationToken) =>
        throw BrokerActionException.Invalid("file.lstat is not served yet.");

    public Task SetFileTimesAsync(SetFileTimesRequest request, CancellationToken cancellationToken) =>
        throw BrokerActionException.Invalid("file.settimes is not served yet.");

    public Task SetFileModeAsync(SetFileModeRequest request, CancellationToken cancellationToken) =>
        throw BrokerActionException.Invalid("file.setmode is not served yet.");

    public Task CreateSymbolicLinkAsync(CreateSymbolicLinkRequest request, CancellationToken cancellationToken) =>
        throw BrokerActionException.Invalid("link.create is not served yet.");

    public Task MoveDirectoryAsync(MoveFileRequest request, CancellationToken cancellationToken) =>
        throw BrokerActionException.Invalid("dir.move is not served yet.");

    public Task DeleteFileAsync(PathRequest request, CancellationToken cancellationToken) =>
        this.RunAsync(request?.Plugin, new DeleteFileAction(Required(request).Path), cancellationToken);

    public Task MoveFileAsync(MoveFileRequest request, CancellationToken cancellationToken)
    {
        var move = Required(request);
        var action = new MoveFileAction(move.Source, move.Destination, move.Overwrite);
        return this.RunAsync(move.Plugin, action, cancellationToken);
    }

    public Task CreateDirectoryAsync(CreateDirectoryRequest request, CancellationToken cancellationToken) =>
        this.RunAsync(request?.Plugin, new CreateDirectoryAction(Required(request).Path), cancellationToken);

    public Task DeleteDirectoryAsync(PathRequest request, CancellationToken cancellationToken) =>
        this.RunAsync(request?.Plugin, new DeleteDirectoryAction(Required(request).Path), cancellationToken);

    public Task<OpenDirectoryResponse> OpenDirectoryAsync(PathRequest request, CancellationToken cancellationToken) =>
        this.RunAsync(request?.Plugin, new OpenDirectoryAction(Required(request).Path, session.Handles), cancellationToken);

    public Task<DirectoryPage> ReadDirectoryAsync(ReadDirectoryRequest request, CancellationToken cancellationToken) =>
        this.RunAsync(null, new ReadDirectoryAction(Required(request).Handle, request.MaxEntries, session.Handles), cancellationToken);

    public Task CloseHandleAsync(CloseHandleRequest request, CancellationToken cancellationToken) =>
        this.RunAsync(null, new CloseHandleAction(Required(request).Handle, session.Handles), cancellationToken);

    public Task<PingResponse> PingAsync(PingRequest request, CancellationToken cancellationToken) =>
        this.RunAsync(request?.Plugin, new PingAction(Required(request), TimeSpan.FromSeconds(state.Policy.Limits.RequestTimeoutSeconds)), cancellationToken);

    public Task<ExecCheckResponse> CheckCommandAsync(ExecRequest request, CancellationToken cancellationToken) =>
        this.RunAsync(request?.Plugin, new CheckCommandAction(Required(request)), cancellationToken);

    public async Task<ExecStartResponse> StartCommandAsync(ExecRequest request, CancellationToken cancellationToken)
    {
        var started = await this.RunAsync(request?.Plugin, new StartCommandAction(Required(request), ClaimedPlugin(request?.Plugin), state, session), cancellationToken).ConfigureAwait(false);

        // The start's audit line is written: only now do the client's ends leave the broker (as a file descriptor does).
        try
        {
            started.Confirm();
            long stdin = session.SendDescriptor(started.Ends.Stdin);
            long stdout = session.SendDescriptor(started.Ends.Stdout);
            long stderr = session.SendDescriptor(started.Ends.Stderr);
            return new ExecStartResponse(started.Handle, started.Pid, stdin, stdout, stderr);
        }
        catch
        {
            // The connection closed under the answer: kill the command and close the ends not yet handed over.
            started.Dispose();
            throw;
        }
    }

    public Task<ExecWaitResponse> WaitCommandAsync(ExecWaitRequest request, CancellationToken cancellationToken) =>
        this.RunAsync(null, new WaitCommandAction(Required(request), session.Handles), cancellationToken);

    public Task SignalCommandAsync(ExecSignalRequest request, CancellationToken cancellationToken) =>
        this.RunAsync(null, new SignalCommandAction(Required(request), session.Handles), cancellationToken);

    private static string? ClaimedPlugin(string? plugin) =>
        plugin is { Length: > ProtocolDefaults.MaxPluginNameLength } ? plugin[..ProtocolDefaults.MaxPluginNameLength] : plugin;

    private static T Required<T>(T? request)
        where T : class =>
        request ?? throw BrokerActionException.Invalid("The request has no arguments.");

    private async Task<T> RunAsync<T>(string? plugin, IBrokerAction<T> action, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(state.Policy.Limits.RequestTimeoutSeconds));
        return await this.pipeline.RunAsync(ClaimedPlugin(plugin), action, timeout.Token).ConfigureAwait(false);
    }
}

using PrivSep.Broker.FileSystem;
using PrivSep.Broker.Interop;
using PrivSep.Broker.Policy;
using PrivSep.Broker.Service;
using PrivSep.Broker.Session;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Broker.Actions;

/// <summary>dir.open: checks the directory actually opened and starts a paged listing in the handle table.</summary>
internal sealed class OpenDirectoryAction(string requestedPath, HandleTable handles) : IBrokerAction<OpenDirectoryResponse>
{
    private ReadTarget? target;
    private BrokerPolicy? policy;

    public string Name => "dir.open";

    public bool ActsBeforeAnswer => false;

    public IReadOnlyList<KeyValuePair<string, string?>> AuditArguments => [new("path", requestedPath)];

    public ValueTask<IReadOnlyList<PolicyQuestion>> PrepareAsync(BrokerPolicy policy, CancellationToken cancellationToken)
    {
        this.policy = policy;
        this.target = ReadTarget.Open(BrokerPath.Validate(requestedPath), directory: true);
        return ValueTask.FromResult<IReadOnlyList<PolicyQuestion>>([this.target.Question]);
    }

    public ValueTask<OpenDirectoryResponse> PerformAsync(CancellationToken cancellationToken)
    {
        if (this.target!.Opened is not { } opened)
        {
            throw new BrokerActionException(BrokerErrorCode.DirectoryNotFound, $"Could not find a part of the path '{this.target.Path}'.", this.target.Path);
        }

        var directory = ObjectOpener.Reopen(opened, LibC.O_RDONLY | LibC.O_DIRECTORY);
        long handle = handles.Add(new DirectoryListing(directory, opened.ResolvedPath, this.policy!));
        return ValueTask.FromResult(new OpenDirectoryResponse(handle, opened.ResolvedPath));
    }

    public void Dispose() => this.target?.Dispose();
}

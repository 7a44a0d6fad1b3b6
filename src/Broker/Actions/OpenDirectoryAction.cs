using PrivSep.Broker.FileSystem;
using PrivSep.Broker.Interop;
using PrivSep.Broker.Policy;
using PrivSep.Broker.Service;
using PrivSep.Broker.Session;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Broker.Actions;

/// <summary>dir.open: checks the directory actually opened and starts a paged listing in the handle table.</summary>
internal sealed class OpenDirectoryAction(string path, HandleTable handles) : IBrokerAction<OpenDirectoryResponse>
{
    private OpenedObject? opened;
    private BrokerPolicy? policy;
    private ErrnoException? missing;

    public string Name => "dir.open";

    public IReadOnlyList<KeyValuePair<string, string?>> AuditArguments => [new("path", path)];

    public ValueTask<IReadOnlyList<PolicyQuestion>> PrepareAsync(BrokerPolicy policy, CancellationToken cancellationToken)
    {
        this.policy = policy;
        try
        {
            this.opened = ObjectOpener.OpenFollowing(path, directory: true);
        }
        catch (ErrnoException ex) when (ex.Errno is LibC.ENOENT or LibC.ENOTDIR)
        {
            this.missing = ex;
            return ValueTask.FromResult<IReadOnlyList<PolicyQuestion>>([PolicyQuestion.Read(path)]);
        }
        catch (ErrnoException ex)
        {
            throw ErrnoMapping.ToActionException(ex, path);
        }

        ObjectChecks.RequireNotBrokerProc(this.opened, path);
        return ValueTask.FromResult<IReadOnlyList<PolicyQuestion>>([PolicyQuestion.Read(this.opened.ResolvedPath)]);
    }

    public ValueTask<OpenDirectoryResponse> PerformAsync(CancellationToken cancellationToken)
    {
        if (this.missing is not null)
        {
            throw new BrokerActionException(BrokerErrorCode.DirectoryNotFound, $"Could not find a part of the path '{path}'.", path);
        }

        var directory = ObjectOpener.Reopen(this.opened!, LibC.O_RDONLY | LibC.O_DIRECTORY);
        long handle = handles.Add(new DirectoryListing(directory, this.opened!.ResolvedPath, this.policy!));
        return ValueTask.FromResult(new OpenDirectoryResponse(handle, this.opened.ResolvedPath));
    }

    public void Dispose() => this.opened?.Dispose();
}

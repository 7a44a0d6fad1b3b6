using PrivSep.Broker.FileSystem;
using PrivSep.Broker.Interop;
using PrivSep.Broker.Policy;
using PrivSep.Broker.Service;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Broker.Actions;

/// <summary>file.delete: unlinks a name relative to its parent opened beneath a write root. A missing file is not an error, as for File.Delete.</summary>
internal sealed class DeleteFileAction(string requestedPath) : IBrokerAction<bool>
{
    private string path = string.Empty;
    private WriteLocation? location;

    public string Name => "file.delete";

    public IReadOnlyList<KeyValuePair<string, string?>> AuditArguments => [new("path", requestedPath)];

    public ValueTask<IReadOnlyList<PolicyQuestion>> PrepareAsync(BrokerPolicy policy, CancellationToken cancellationToken)
    {
        this.path = BrokerPath.Validate(requestedPath);
        this.location = WriteLocation.Open(policy, this.path);
        return ValueTask.FromResult<IReadOnlyList<PolicyQuestion>>([PolicyQuestion.Write(this.path)]);
    }

    public ValueTask<bool> PerformAsync(CancellationToken cancellationToken)
    {
        var target = WriteActions.RequireLocation(this.location, path);
        if (target.IsRoot)
        {
            throw new BrokerActionException(BrokerErrorCode.IsDirectory, $"Access to the path '{path}' is denied: it is a directory.", path);
        }

        var parent = target.RequireParent();
        var entry = Syscalls.StatEntry(parent, target.Name);
        if (entry is null)
        {
            return ValueTask.FromResult(false);
        }

        if (entry.Value.FileType == LibC.S_IFDIR)
        {
            throw new BrokerActionException(BrokerErrorCode.IsDirectory, $"Access to the path '{path}' is denied: it is a directory.", path);
        }

        try
        {
            Syscalls.UnlinkAt(parent, target.Name, removeDirectory: false);
        }
        catch (ErrnoException ex) when (ex.Errno == LibC.ENOENT)
        {
            return ValueTask.FromResult(false);
        }
        catch (ErrnoException ex)
        {
            throw ErrnoMapping.ToActionException(ex, path);
        }

        return ValueTask.FromResult(true);
    }

    public void Dispose() => this.location?.Dispose();
}

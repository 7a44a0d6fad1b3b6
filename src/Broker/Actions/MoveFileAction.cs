using PrivSep.Broker.FileSystem;
using PrivSep.Broker.Interop;
using PrivSep.Broker.Policy;
using PrivSep.Broker.Service;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Broker.Actions;

/// <summary>file.move: renames between two parents opened beneath write roots; both names need files.write.</summary>
internal sealed class MoveFileAction(string requestedSource, string requestedDestination, bool overwrite) : IBrokerAction<bool>
{
    private string source = string.Empty;
    private string destination = string.Empty;
    private WriteLocation? from;
    private WriteLocation? to;

    public string Name => "file.move";

    public IReadOnlyList<KeyValuePair<string, string?>> AuditArguments =>
        [new("source", requestedSource), new("destination", requestedDestination), new("overwrite", overwrite ? "true" : "false")];

    public ValueTask<IReadOnlyList<PolicyQuestion>> PrepareAsync(BrokerPolicy policy, CancellationToken cancellationToken)
    {
        this.source = BrokerPath.Validate(requestedSource, "source");
        this.destination = BrokerPath.Validate(requestedDestination, "destination");
        this.from = WriteLocation.Open(policy, this.source);
        this.to = WriteLocation.Open(policy, this.destination);
        return ValueTask.FromResult<IReadOnlyList<PolicyQuestion>>([PolicyQuestion.Write(this.source), PolicyQuestion.Write(this.destination)]);
    }

    public ValueTask<bool> PerformAsync(CancellationToken cancellationToken)
    {
        var sourceLocation = WriteTargetAction.RequireLocation(this.from, source);
        var destinationLocation = WriteTargetAction.RequireLocation(this.to, destination);
        var sourceParent = sourceLocation.Parent ?? throw new BrokerActionException(BrokerErrorCode.NotFound, $"Could not find file '{source}'.", source);
        var entry = Syscalls.StatEntry(sourceParent, sourceLocation.Name)
            ?? throw new BrokerActionException(BrokerErrorCode.NotFound, $"Could not find file '{source}'.", source);
        if (entry.FileType == LibC.S_IFDIR || sourceLocation.IsRoot || destinationLocation.IsRoot)
        {
            throw new BrokerActionException(BrokerErrorCode.IsDirectory, $"Access to the path '{source}' is denied: it is a directory.", source);
        }

        try
        {
            Syscalls.RenameAt2(sourceParent, sourceLocation.Name, destinationLocation.RequireParent(), destinationLocation.Name, overwrite ? 0 : LibC.RENAME_NOREPLACE);
        }
        catch (ErrnoException ex)
        {
            throw ErrnoMapping.ToActionException(ex, ex.Errno == LibC.EEXIST ? destination : source);
        }

        return ValueTask.FromResult(true);
    }

    public void Dispose()
    {
        this.from?.Dispose();
        this.to?.Dispose();
    }
}

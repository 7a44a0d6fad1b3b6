using PrivSep.Broker.FileSystem;
using PrivSep.Broker.Interop;
using PrivSep.Broker.Policy;
using PrivSep.Broker.Service;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Broker.Actions;

/// <summary>dir.delete: removes one empty directory beneath a write root (never the root itself).</summary>
internal sealed class DeleteDirectoryAction(string requestedPath) : WriteTargetAction(requestedPath)
{
    public override string Name => "dir.delete";

    protected override bool Perform(WriteLocation target)
    {
        string path = this.Path;
        if (target.IsRoot)
        {
            throw new BrokerActionException(BrokerErrorCode.PolicyDenied, $"Access to the path '{path}' is denied: a files.write root itself is never removed.", path, "files.write root");
        }

        var parent = target.Parent ?? throw new BrokerActionException(BrokerErrorCode.DirectoryNotFound, $"Could not find a part of the path '{path}'.", path);
        var entry = Syscalls.StatEntry(parent, target.Name)
            ?? throw new BrokerActionException(BrokerErrorCode.DirectoryNotFound, $"Could not find a part of the path '{path}'.", path);
        if (entry.FileType != LibC.S_IFDIR)
        {
            throw new BrokerActionException(BrokerErrorCode.NotDirectory, $"The directory name '{path}' is invalid: it is not a directory.", path);
        }

        try
        {
            Syscalls.UnlinkAt(parent, target.Name, removeDirectory: true);
        }
        catch (ErrnoException ex)
        {
            throw ErrnoMapping.ToActionException(ex, path);
        }

        return true;
    }
}

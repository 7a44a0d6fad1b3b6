using PrivSep.Broker.FileSystem;
using PrivSep.Broker.Interop;
using PrivSep.Broker.Policy;
using PrivSep.Broker.Service;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Broker.Actions;

/// <summary>file.delete: unlinks a name relative to its parent opened beneath a write root. A missing file is not an error, as for File.Delete.</summary>
internal sealed class DeleteFileAction(string requestedPath) : WriteTargetAction(requestedPath)
{
    public override string Name => "file.delete";

    protected override bool Perform(WriteLocation target)
    {
        string path = this.Path;
        if (target.IsRoot)
        {
            throw new BrokerActionException(BrokerErrorCode.IsDirectory, $"Access to the path '{path}' is denied: it is a directory.", path);
        }

        var parent = target.RequireParent();
        var entry = Syscalls.StatEntry(parent, target.Name);
        if (entry is null)
        {
            return false;
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
            return false;
        }
        catch (ErrnoException ex)
        {
            throw ErrnoMapping.ToActionException(ex, path);
        }

        return true;
    }
}

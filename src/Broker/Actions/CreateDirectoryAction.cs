using Microsoft.Win32.SafeHandles;
using PrivSep.Broker.FileSystem;
using PrivSep.Broker.Interop;
using PrivSep.Broker.Policy;
using PrivSep.Broker.Service;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Broker.Actions;

/// <summary>dir.create: creates the directory and its missing parents, one step at a time beneath the write root, never through a link.</summary>
internal sealed class CreateDirectoryAction(string requestedPath) : WriteTargetAction(requestedPath)
{
    public override string Name => "dir.create";

    protected override bool Perform(WriteLocation target)
    {
        string path = this.Path;
        SafeFileHandle? current = null;
        try
        {
            foreach (var segment in target.RelativePath.Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                var directory = current ?? target.Root;
                Syscalls.MkdirAt(directory, segment, 0b111_101_101);
                var next = ObjectOpener.OpenBeneath(directory, segment, LibC.O_PATH | LibC.O_DIRECTORY);
                current?.Dispose();
                current = next;
            }
        }
        catch (ErrnoException ex) when (ex.Errno == LibC.ENOTDIR)
        {
            throw new BrokerActionException(BrokerErrorCode.AlreadyExists, $"Cannot create '{path}' because a file with that name already exists.", path);
        }
        catch (ErrnoException ex)
        {
            throw ErrnoMapping.ToActionException(ex, path);
        }
        finally
        {
            current?.Dispose();
        }

        return true;
    }
}

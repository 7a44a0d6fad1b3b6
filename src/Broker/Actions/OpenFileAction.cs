using PrivSep.Broker.FileSystem;
using PrivSep.Broker.Interop;
using PrivSep.Broker.Policy;
using PrivSep.Broker.Service;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Broker.Actions;

/// <summary>
/// file.open: opens a file for the client and hands back the descriptor. Reads resolve the path (symbolic links
/// allowed, magic links not) and check the object actually opened; anything that writes goes strictly beneath a
/// files.write root with no symbolic links, refuses hard-linked files, and truncates only after the check.
/// </summary>
internal sealed class OpenFileAction(FileOpenArguments arguments) : IBrokerAction<OpenedFile>
{
    private OpenedObject? existing;
    private WriteLocation? location;
    private ErrnoException? missing;

    public string Name => "file.open";

    public IReadOnlyList<KeyValuePair<string, string?>> AuditArguments => arguments.ToAudit();

    public ValueTask<IReadOnlyList<PolicyQuestion>> PrepareAsync(BrokerPolicy policy, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<PolicyQuestion>>([arguments.NeedsWrite ? this.PrepareWrite(policy) : this.PrepareRead()]);

    public ValueTask<OpenedFile> PerformAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(arguments.NeedsWrite ? this.PerformWrite() : this.PerformRead());

    public void Dispose()
    {
        this.existing?.Dispose();
        this.location?.Dispose();
    }

    private PolicyQuestion PrepareRead()
    {
        try
        {
            this.existing = ObjectOpener.OpenFollowing(arguments.Path);
        }
        catch (ErrnoException ex) when (ex.Errno is LibC.ENOENT or LibC.ENOTDIR)
        {
            // Whether it exists is only told to a client the policy lets read this path.
            this.missing = ex;
            return PolicyQuestion.Read(arguments.Path);
        }
        catch (ErrnoException ex)
        {
            throw ErrnoMapping.ToActionException(ex, arguments.Path);
        }

        ObjectChecks.RequireServableFile(this.existing, arguments.Path);
        return PolicyQuestion.Read(this.existing.ResolvedPath);
    }

    private OpenedFile PerformRead()
    {
        if (this.missing is not null)
        {
            throw ErrnoMapping.ToActionException(this.missing, arguments.Path);
        }

        var handle = ObjectOpener.Reopen(this.existing!, LibC.O_RDONLY);
        return new OpenedFile(handle, this.existing!.ResolvedPath);
    }

    private PolicyQuestion PrepareWrite(BrokerPolicy policy)
    {
        this.location = WriteLocation.Open(policy, arguments.Path);
        if (this.location is null || this.location.Parent is null)
        {
            return PolicyQuestion.Write(arguments.Path);
        }

        if (this.location.IsRoot)
        {
            throw new BrokerActionException(BrokerErrorCode.IsDirectory, $"Access to the path '{arguments.Path}' is denied: it is a directory.", arguments.Path);
        }

        var entry = Syscalls.StatEntry(this.location.Parent, this.location.Name);
        if (entry is null)
        {
            return PolicyQuestion.Write(arguments.Path);
        }

        try
        {
            this.existing = ObjectOpener.Describe(ObjectOpener.OpenBeneath(this.location.Root, this.location.RelativePath, LibC.O_PATH));
        }
        catch (ErrnoException ex)
        {
            throw ErrnoMapping.ToActionException(ex, arguments.Path);
        }

        ObjectChecks.RequireServableFile(this.existing, arguments.Path);
        ObjectChecks.RequireSingleLink(this.existing.Status, arguments.Path);
        return PolicyQuestion.Write(this.existing.ResolvedPath);
    }

    private OpenedFile PerformWrite()
    {
        var target = this.location ?? throw new BrokerActionException(BrokerErrorCode.PolicyDenied, $"Access to the path '{arguments.Path}' is denied: no files.write root contains it.", arguments.Path, "files.write");
        target.RequireParent();
        return this.existing is null ? this.Create(target) : this.OpenExisting();
    }

    private OpenedFile OpenExisting()
    {
        if (arguments.Mode == FileMode.CreateNew)
        {
            throw new BrokerActionException(BrokerErrorCode.AlreadyExists, $"The file '{arguments.Path}' already exists.", arguments.Path);
        }

        var handle = ObjectOpener.Reopen(this.existing!, arguments.AccessFlags);
        try
        {
            // A hard link made after the check would still let this write reach another file.
            ObjectChecks.RequireSingleLink(Syscalls.Stat(handle), arguments.Path);
            if (arguments.Mode is FileMode.Create or FileMode.Truncate)
            {
                Syscalls.Truncate(handle);
            }
            else if (arguments.Mode == FileMode.Append)
            {
                Syscalls.SeekToEnd(handle);
            }

            return new OpenedFile(handle, this.existing!.ResolvedPath);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private OpenedFile Create(WriteLocation target)
    {
        if (!arguments.MayCreate)
        {
            throw new BrokerActionException(BrokerErrorCode.NotFound, $"Could not find file '{arguments.Path}'.", arguments.Path);
        }

        try
        {
            // O_EXCL: the file is ours from its first byte; a name created meanwhile by someone else is an error, not a follow.
            var handle = ObjectOpener.OpenBeneath(target.Root, target.RelativePath, arguments.AccessFlags | LibC.O_CREAT | LibC.O_EXCL, 0b110_100_100);
            if (arguments.Mode == FileMode.Append)
            {
                Syscalls.SeekToEnd(handle);
            }

            return new OpenedFile(handle, arguments.Path);
        }
        catch (ErrnoException ex)
        {
            throw ErrnoMapping.ToActionException(ex, arguments.Path);
        }
    }
}

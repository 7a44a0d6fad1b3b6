using PrivSep.Broker.FileSystem;
using PrivSep.Broker.Interop;
using PrivSep.Broker.Policy;
using PrivSep.Broker.Service;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Broker.Actions;

/// <summary>
/// file.open: opens a file for the client and hands back the descriptor. Reads resolve the path (symbolic links
/// allowed, magic links not) and check the object actually opened; anything that writes goes strictly beneath a
/// files.write root with no symbolic links, refuses hard-linked files, and truncates only after the check. What the
/// object is (directory, FIFO, device) is only looked at once the policy has allowed the path.
/// </summary>
internal sealed class OpenFileAction(OpenFileRequest request) : IBrokerAction<OpenedFile>
{
    private FileOpenArguments arguments = null!;
    private ReadTarget? readTarget;
    private OpenedObject? existing;
    private WriteLocation? location;

    public string Name => "file.open";

    /// <summary>A write open may create or truncate before the answer; a read-only open's only effect is the descriptor, sent after the line.</summary>
    public bool ActsBeforeAnswer => this.arguments.NeedsWrite;

    public IReadOnlyList<KeyValuePair<string, string?>> AuditArguments =>
        [new("path", request.Path), new("mode", request.Mode.ToString()), new("access", request.Access.ToString())];

    public ValueTask<IReadOnlyList<PolicyQuestion>> PrepareAsync(BrokerPolicy policy, CancellationToken cancellationToken)
    {
        this.arguments = FileOpenArguments.From(request);
        return ValueTask.FromResult<IReadOnlyList<PolicyQuestion>>([this.arguments.NeedsWrite ? this.PrepareWrite(policy) : this.PrepareRead()]);
    }

    public ValueTask<OpenedFile> PerformAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(this.arguments.NeedsWrite ? this.PerformWrite() : this.PerformRead());

    public void Dispose()
    {
        this.readTarget?.Dispose();
        this.existing?.Dispose();
        this.location?.Dispose();
    }

    private PolicyQuestion PrepareRead()
    {
        this.readTarget = ReadTarget.Open(this.arguments.Path);
        return this.readTarget.Question;
    }

    private OpenedFile PerformRead()
    {
        var opened = this.readTarget!.RequireExisting();
        this.RequireFile(opened);
        return new OpenedFile(ObjectOpener.Reopen(opened, LibC.O_RDONLY), opened.ResolvedPath);
    }

    private PolicyQuestion PrepareWrite(BrokerPolicy policy)
    {
        string path = this.arguments.Path;
        this.location = WriteLocation.Open(policy, path);
        if (this.location is null || this.location.IsRoot || this.location.Parent is null)
        {
            return PolicyQuestion.Write(path);
        }

        if (Syscalls.StatEntry(this.location.Parent, this.location.Name) is null)
        {
            return PolicyQuestion.Write(path);
        }

        try
        {
            this.existing = ObjectOpener.Describe(ObjectOpener.OpenBeneath(this.location.Root, this.location.RelativePath, LibC.O_PATH));
        }
        catch (ErrnoException ex)
        {
            throw ErrnoMapping.ToActionException(ex, path);
        }

        return PolicyQuestion.Write(this.existing.ResolvedPath);
    }

    private OpenedFile PerformWrite()
    {
        var target = WriteTargetAction.RequireLocation(this.location, this.arguments.Path);
        if (target.IsRoot)
        {
            throw new BrokerActionException(BrokerErrorCode.IsDirectory, $"Access to the path '{this.arguments.Path}' is denied: it is a directory.", this.arguments.Path);
        }

        target.RequireParent();
        return this.existing is null ? this.Create(target) : this.OpenExisting(this.existing);
    }

    private void RequireFile(OpenedObject opened)
    {
        ObjectChecks.RequireServableFile(opened, this.arguments.Path);
        if (this.arguments.NamesDirectory)
        {
            // "file.txt/" names a directory that is not there, as open(2) would say (ENOTDIR).
            throw new BrokerActionException(BrokerErrorCode.NotFound, $"Could not find a part of the path '{this.arguments.Path}/'.", this.arguments.Path);
        }
    }

    private OpenedFile OpenExisting(OpenedObject opened)
    {
        string path = this.arguments.Path;
        this.RequireFile(opened);
        ObjectChecks.RequireSingleLink(opened.Status, path);
        if (this.arguments.Mode == FileMode.CreateNew)
        {
            throw new BrokerActionException(BrokerErrorCode.AlreadyExists, $"The file '{path}' already exists.", path);
        }

        var handle = ObjectOpener.Reopen(opened, this.arguments.AccessFlags);
        try
        {
            // A hard link made after the check would still let this write reach another file.
            ObjectChecks.RequireSingleLink(Syscalls.Stat(handle), path);
            if (this.arguments.Mode is FileMode.Create or FileMode.Truncate)
            {
                Syscalls.Truncate(handle);
            }
            else if (this.arguments.Mode == FileMode.Append)
            {
                Syscalls.SeekToEnd(handle);
            }

            return new OpenedFile(handle, opened.ResolvedPath);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private OpenedFile Create(WriteLocation target)
    {
        string path = this.arguments.Path;
        if (!this.arguments.MayCreate)
        {
            throw new BrokerActionException(BrokerErrorCode.NotFound, $"Could not find file '{path}'.", path);
        }

        try
        {
            // O_EXCL: the file is ours from its first byte; a name created meanwhile by someone else is an error, not a follow.
            var handle = ObjectOpener.OpenBeneath(target.Root, target.RelativePath, this.arguments.AccessFlags | LibC.O_CREAT | LibC.O_EXCL, 0b110_100_100);
            if (this.arguments.Mode == FileMode.Append)
            {
                Syscalls.SeekToEnd(handle);
            }

            return new OpenedFile(handle, path);
        }
        catch (ErrnoException ex)
        {
            throw ErrnoMapping.ToActionException(ex, path);
        }
    }
}

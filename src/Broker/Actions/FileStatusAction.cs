using PrivSep.Broker.FileSystem;
using PrivSep.Broker.Interop;
using PrivSep.Broker.Policy;
using PrivSep.Broker.Service;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Broker.Actions;

/// <summary>file.stat: exists / kind / attributes / size / times of the object a path resolves to.</summary>
internal sealed class FileStatusAction(string path) : IBrokerAction<FileStatusResponse>
{
    private OpenedObject? opened;

    public string Name => "file.stat";

    public IReadOnlyList<KeyValuePair<string, string?>> AuditArguments => [new("path", path)];

    public ValueTask<IReadOnlyList<PolicyQuestion>> PrepareAsync(BrokerPolicy policy, CancellationToken cancellationToken)
    {
        try
        {
            this.opened = ObjectOpener.OpenFollowing(path);
        }
        catch (ErrnoException ex) when (ex.Errno is LibC.ENOENT or LibC.ENOTDIR)
        {
            return ValueTask.FromResult<IReadOnlyList<PolicyQuestion>>([PolicyQuestion.Read(path)]);
        }
        catch (ErrnoException ex)
        {
            throw ErrnoMapping.ToActionException(ex, path);
        }

        ObjectChecks.RequireNotBrokerProc(this.opened, path);
        return ValueTask.FromResult<IReadOnlyList<PolicyQuestion>>([PolicyQuestion.Read(this.opened.ResolvedPath)]);
    }

    public ValueTask<FileStatusResponse> PerformAsync(CancellationToken cancellationToken)
    {
        if (this.opened is null)
        {
            return ValueTask.FromResult(new FileStatusResponse(FileSystemEntryKind.None, 0, 0, default, default, null));
        }

        var status = this.opened.Status;
        return ValueTask.FromResult(new FileStatusResponse(
            KindOf(status),
            AttributesOf(status, this.opened.ResolvedPath),
            this.opened.IsRegularFile ? (long)status.Size : 0,
            status.ModifyTime.ToUtc(),
            status.AccessTime.ToUtc(),
            this.opened.ResolvedPath));
    }

    public void Dispose() => this.opened?.Dispose();

    internal static FileSystemEntryKind KindOf(in LibC.Statx status) => status.FileType switch
    {
        LibC.S_IFREG => FileSystemEntryKind.File,
        LibC.S_IFDIR => FileSystemEntryKind.Directory,
        _ => FileSystemEntryKind.Other,
    };

    /// <summary>The attributes .NET reports on Unix: Directory or Normal, Hidden for dot-names, ReadOnly when nobody may write.</summary>
    internal static FileAttributes AttributesOf(in LibC.Statx status, string path)
    {
        var attributes = status.FileType == LibC.S_IFDIR ? FileAttributes.Directory : FileAttributes.Normal;
        if (Path.GetFileName(path).StartsWith('.'))
        {
            attributes |= FileAttributes.Hidden;
        }

        if ((status.Mode & 0b010_010_010) == 0)
        {
            attributes = (attributes & ~FileAttributes.Normal) | FileAttributes.ReadOnly;
        }

        return attributes;
    }
}

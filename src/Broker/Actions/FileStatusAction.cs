using PrivSep.Broker.FileSystem;
using PrivSep.Broker.Interop;
using PrivSep.Broker.Policy;
using PrivSep.Broker.Service;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Broker.Actions;

/// <summary>file.stat: exists / kind / attributes / size / times of the object a path resolves to.</summary>
internal sealed class FileStatusAction(string requestedPath) : IBrokerAction<FileStatusResponse>
{
    private ReadTarget? target;

    public string Name => "file.stat";

    public bool ActsBeforeAnswer => false;

    public IReadOnlyList<KeyValuePair<string, string?>> AuditArguments => [new("path", requestedPath)];

    public ValueTask<IReadOnlyList<PolicyQuestion>> PrepareAsync(BrokerPolicy policy, CancellationToken cancellationToken)
    {
        this.target = ReadTarget.Open(BrokerPath.Validate(requestedPath));
        return ValueTask.FromResult<IReadOnlyList<PolicyQuestion>>([this.target.Question]);
    }

    public ValueTask<FileStatusResponse> PerformAsync(CancellationToken cancellationToken)
    {
        var opened = this.target!.Opened;
        if (opened is null)
        {
            return ValueTask.FromResult(new FileStatusResponse(FileSystemEntryKind.None, 0, 0, default, default, null));
        }

        var status = opened.Status;
        return ValueTask.FromResult(new FileStatusResponse(
            KindOf(status),
            AttributesOf(status, opened.ResolvedPath),
            opened.IsRegularFile ? (long)status.Size : 0,
            status.ModifyTime.ToUtc(),
            status.AccessTime.ToUtc(),
            opened.ResolvedPath));
    }

    public void Dispose() => this.target?.Dispose();

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

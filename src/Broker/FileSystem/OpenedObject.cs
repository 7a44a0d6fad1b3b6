using Microsoft.Win32.SafeHandles;
using PrivSep.Broker.Interop;

namespace PrivSep.Broker.FileSystem;

/// <summary>An object the broker opened with O_PATH (no side effects, no data access yet), with what it actually is and where it actually lives.</summary>
internal sealed class OpenedObject(SafeFileHandle handle, string resolvedPath, LibC.Statx status) : IDisposable
{
    public SafeFileHandle Handle { get; } = handle;

    /// <summary>The path read back from /proc/self/fd: the one the policy is checked against.</summary>
    public string ResolvedPath { get; } = resolvedPath;

    public LibC.Statx Status { get; } = status;

    public bool IsRegularFile => this.Status.FileType == LibC.S_IFREG;

    public bool IsDirectory => this.Status.FileType == LibC.S_IFDIR;

    public void Dispose() => this.Handle.Dispose();
}

using System.Net.NetworkInformation;
using Microsoft.Win32.SafeHandles;
using PrivSep.Protocol.Contracts;
using PrivSep.Shim.Routing;

namespace PrivSep.Shim.Tests.Support;

/// <summary>
/// A broker that must not be asked: any action fails the test (used to show validation happens before anything is sent).
/// A test overrides the one action it means to answer.
/// </summary>
internal class RefusingBrokerActions : IBrokerActions
{
    public virtual FileStream OpenFile(string path, FileMode mode, FileAccess access, FileShare share, int bufferSize, FileOptions options) => throw Asked(nameof(this.OpenFile));

    public virtual Task<FileStream> OpenFileAsync(string path, FileMode mode, FileAccess access, FileShare share, int bufferSize, FileOptions options, CancellationToken cancellationToken) => throw Asked(nameof(this.OpenFileAsync));

    public virtual SafeFileHandle OpenHandle(string path, FileMode mode, FileAccess access, FileShare share, FileOptions options, UnixFileMode? createMode, bool clientTruncates) => throw Asked(nameof(this.OpenHandle));

    public virtual Task<SafeFileHandle> OpenHandleAsync(string path, FileMode mode, FileAccess access, FileShare share, FileOptions options, UnixFileMode? createMode, bool clientTruncates, CancellationToken cancellationToken) => throw Asked(nameof(this.OpenHandleAsync));

    public virtual FileStatusResponse GetStatus(string path) => throw Asked(nameof(this.GetStatus));

    public virtual FileStatusResponse GetLinkStatus(string path) => throw Asked(nameof(this.GetLinkStatus));

    public virtual void SetTimes(string path, DateTime? lastAccessTimeUtc, DateTime? lastWriteTimeUtc, bool followLinks) => throw Asked(nameof(this.SetTimes));

    public virtual void SetMode(string path, UnixFileMode mode) => throw Asked(nameof(this.SetMode));

    public virtual void CreateSymbolicLink(string path, string target) => throw Asked(nameof(this.CreateSymbolicLink));

    public virtual void MoveDirectory(string source, string destination) => throw Asked(nameof(this.MoveDirectory));

    public virtual void DeleteFile(string path) => throw Asked(nameof(this.DeleteFile));

    public virtual void MoveFile(string source, string destination, bool overwrite) => throw Asked(nameof(this.MoveFile));

    public virtual void CreateDirectory(string path, UnixFileMode? mode = null) => throw Asked(nameof(this.CreateDirectory));

    public virtual void DeleteDirectory(string path, bool recursive) => throw Asked(nameof(this.DeleteDirectory));

    public virtual IEnumerable<DirectoryEntry> EnumerateDirectory(string path) => throw Asked(nameof(this.EnumerateDirectory));

    public virtual PingResponse Ping(string hostOrAddress, int timeoutMilliseconds, byte[] buffer, PingOptions? options) => throw Asked(nameof(this.Ping));

    public virtual Task<PingResponse> PingAsync(string hostOrAddress, int timeoutMilliseconds, byte[] buffer, PingOptions? options, CancellationToken cancellationToken) => throw Asked(nameof(this.PingAsync));

    public virtual ExecCheckResponse CheckCommand(ExecRequest request) => throw Asked(nameof(this.CheckCommand));

    private static AssertFailedException Asked(string action) => new($"The broker was asked to {action}, but nothing should have been sent.");
}

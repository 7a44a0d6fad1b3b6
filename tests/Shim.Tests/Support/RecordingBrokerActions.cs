using System.Collections.Concurrent;
using System.Net.NetworkInformation;
using Microsoft.Win32.SafeHandles;
using PrivSep.Protocol.Contracts;
using PrivSep.Shim.Routing;

namespace PrivSep.Shim.Tests.Support;

/// <summary>Records every action asked of the broker, then passes it on.</summary>
internal sealed class RecordingBrokerActions(IBrokerActions inner) : IBrokerActions
{
    private readonly ConcurrentQueue<string> calls = new();

    public IReadOnlyCollection<string> Calls => this.calls.ToArray();

    public FileStream OpenFile(string path, FileMode mode, FileAccess access, FileShare share, int bufferSize, FileOptions options)
    {
        this.calls.Enqueue($"OpenFile {path} {mode} {access}");
        return inner.OpenFile(path, mode, access, share, bufferSize, options);
    }

    public Task<FileStream> OpenFileAsync(string path, FileMode mode, FileAccess access, FileShare share, int bufferSize, FileOptions options, CancellationToken cancellationToken)
    {
        this.calls.Enqueue($"OpenFileAsync {path} {mode} {access}");
        return inner.OpenFileAsync(path, mode, access, share, bufferSize, options, cancellationToken);
    }

    public SafeFileHandle OpenHandle(string path, FileMode mode, FileAccess access, FileShare share, FileOptions options, UnixFileMode? createMode, bool clientTruncates)
    {
        this.calls.Enqueue($"OpenHandle {path} {mode} {access}");
        return inner.OpenHandle(path, mode, access, share, options, createMode, clientTruncates);
    }

    public Task<SafeFileHandle> OpenHandleAsync(string path, FileMode mode, FileAccess access, FileShare share, FileOptions options, UnixFileMode? createMode, bool clientTruncates, CancellationToken cancellationToken)
    {
        this.calls.Enqueue($"OpenHandleAsync {path} {mode} {access}");
        return inner.OpenHandleAsync(path, mode, access, share, options, createMode, clientTruncates, cancellationToken);
    }

    public FileStatusResponse GetLinkStatus(string path)
    {
        this.calls.Enqueue($"GetLinkStatus {path}");
        return inner.GetLinkStatus(path);
    }

    public void SetTimes(string path, DateTime? lastAccessTimeUtc, DateTime? lastWriteTimeUtc, bool followLinks)
    {
        this.calls.Enqueue($"SetTimes {path} {lastAccessTimeUtc:O} {lastWriteTimeUtc:O} {followLinks}");
        inner.SetTimes(path, lastAccessTimeUtc, lastWriteTimeUtc, followLinks);
    }

    public void SetMode(string path, UnixFileMode mode)
    {
        this.calls.Enqueue($"SetMode {path} {mode}");
        inner.SetMode(path, mode);
    }

    public void CreateSymbolicLink(string path, string target)
    {
        this.calls.Enqueue($"CreateSymbolicLink {path} {target}");
        inner.CreateSymbolicLink(path, target);
    }

    public void MoveDirectory(string source, string destination)
    {
        this.calls.Enqueue($"MoveDirectory {source} {destination}");
        inner.MoveDirectory(source, destination);
    }

    public FileStatusResponse GetStatus(string path)
    {
        this.calls.Enqueue($"GetStatus {path}");
        return inner.GetStatus(path);
    }

    public void DeleteFile(string path)
    {
        this.calls.Enqueue($"DeleteFile {path}");
        inner.DeleteFile(path);
    }

    public void MoveFile(string source, string destination, bool overwrite)
    {
        this.calls.Enqueue($"MoveFile {source} {destination} {overwrite}");
        inner.MoveFile(source, destination, overwrite);
    }

    public void CreateDirectory(string path, UnixFileMode? mode = null)
    {
        this.calls.Enqueue($"CreateDirectory {path}");
        inner.CreateDirectory(path, mode);
    }

    public void DeleteDirectory(string path, bool recursive)
    {
        this.calls.Enqueue($"DeleteDirectory {path} {recursive}");
        inner.DeleteDirectory(path, recursive);
    }

    public IEnumerable<DirectoryEntry> EnumerateDirectory(string path)
    {
        this.calls.Enqueue($"EnumerateDirectory {path}");
        return inner.EnumerateDirectory(path);
    }

    public PingResponse Ping(string hostOrAddress, int timeoutMilliseconds, byte[] buffer, PingOptions? options)
    {
        this.calls.Enqueue($"Ping {hostOrAddress} {timeoutMilliseconds}");
        return inner.Ping(hostOrAddress, timeoutMilliseconds, buffer, options);
    }

    public Task<PingResponse> PingAsync(string hostOrAddress, int timeoutMilliseconds, byte[] buffer, PingOptions? options, CancellationToken cancellationToken)
    {
        this.calls.Enqueue($"PingAsync {hostOrAddress} {timeoutMilliseconds}");
        return inner.PingAsync(hostOrAddress, timeoutMilliseconds, buffer, options, cancellationToken);
    }

    public ExecCheckResponse CheckCommand(ExecRequest request)
    {
        this.calls.Enqueue($"CheckCommand {request.Path} {string.Join(' ', request.Arguments)}");
        return inner.CheckCommand(request);
    }
}

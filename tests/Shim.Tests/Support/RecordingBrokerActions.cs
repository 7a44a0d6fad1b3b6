using System.Collections.Concurrent;
using System.Net.NetworkInformation;
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

    public void CreateDirectory(string path)
    {
        this.calls.Enqueue($"CreateDirectory {path}");
        inner.CreateDirectory(path);
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

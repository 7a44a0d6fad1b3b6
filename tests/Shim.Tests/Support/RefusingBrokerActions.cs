using System.Net.NetworkInformation;
using PrivSep.Protocol.Contracts;
using PrivSep.Shim.Routing;

namespace PrivSep.Shim.Tests.Support;

/// <summary>A broker that must not be asked: any action fails the test (used to show validation happens before anything is sent).</summary>
internal sealed class RefusingBrokerActions : IBrokerActions
{
    public FileStream OpenFile(string path, FileMode mode, FileAccess access, FileShare share, int bufferSize, FileOptions options) => throw Asked(nameof(this.OpenFile));

    public Task<FileStream> OpenFileAsync(string path, FileMode mode, FileAccess access, FileShare share, int bufferSize, FileOptions options, CancellationToken cancellationToken) => throw Asked(nameof(this.OpenFileAsync));

    public FileStatusResponse GetStatus(string path) => throw Asked(nameof(this.GetStatus));

    public void DeleteFile(string path) => throw Asked(nameof(this.DeleteFile));

    public void MoveFile(string source, string destination, bool overwrite) => throw Asked(nameof(this.MoveFile));

    public void CreateDirectory(string path) => throw Asked(nameof(this.CreateDirectory));

    public void DeleteDirectory(string path, bool recursive) => throw Asked(nameof(this.DeleteDirectory));

    public IEnumerable<DirectoryEntry> EnumerateDirectory(string path) => throw Asked(nameof(this.EnumerateDirectory));

    public PingResponse Ping(string hostOrAddress, int timeoutMilliseconds, byte[] buffer, PingOptions? options) => throw Asked(nameof(this.Ping));

    public Task<PingResponse> PingAsync(string hostOrAddress, int timeoutMilliseconds, byte[] buffer, PingOptions? options, CancellationToken cancellationToken) => throw Asked(nameof(this.PingAsync));

    public ExecCheckResponse CheckCommand(ExecRequest request) => throw Asked(nameof(this.CheckCommand));

    private static AssertFailedException Asked(string action) => new($"The broker was asked to {action}, but nothing should have been sent.");
}

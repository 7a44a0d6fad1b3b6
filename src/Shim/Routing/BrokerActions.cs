using System.Net.NetworkInformation;
using Microsoft.Win32.SafeHandles;
using PrivSep.Protocol.Contracts;
using PrivSep.Shim.Client;

namespace PrivSep.Shim.Routing;

/// <summary>Where the replacements send brokered work: the client facade, unless a test has put a stand-in in its place.</summary>
internal static class BrokerActions
{
    private static IBrokerActions current = ClientFacade.Instance;

    public static IBrokerActions Current
    {
        get => Volatile.Read(ref current);
        set => Volatile.Write(ref current, value ?? ClientFacade.Instance);
    }

    /// <summary>The real thing: every action goes over the socket to the broker.</summary>
    internal sealed class ClientFacade : IBrokerActions
    {
        public static readonly ClientFacade Instance = new();

        public FileStream OpenFile(string path, FileMode mode, FileAccess access, FileShare share, int bufferSize, FileOptions options) =>
            BrokeredFileSystem.OpenFile(path, mode, access, share, bufferSize, options);

        public Task<FileStream> OpenFileAsync(string path, FileMode mode, FileAccess access, FileShare share, int bufferSize, FileOptions options, CancellationToken cancellationToken) =>
            BrokeredFileSystem.OpenFileAsync(path, mode, access, share, bufferSize, options, cancellationToken);

        public SafeFileHandle OpenHandle(string path, FileMode mode, FileAccess access, FileShare share, FileOptions options, UnixFileMode? createMode, bool clientTruncates) =>
            BrokeredFileSystem.OpenHandleAsync(path, mode, access, share, options, createMode, clientTruncates, CancellationToken.None).GetAwaiter().GetResult();

        public Task<SafeFileHandle> OpenHandleAsync(string path, FileMode mode, FileAccess access, FileShare share, FileOptions options, UnixFileMode? createMode, bool clientTruncates, CancellationToken cancellationToken) =>
            BrokeredFileSystem.OpenHandleAsync(path, mode, access, share, options, createMode, clientTruncates, cancellationToken);

        public FileStatusResponse GetStatus(string path) => BrokeredFileSystem.GetStatus(path);

        public FileStatusResponse GetLinkStatus(string path) => BrokeredFileSystem.GetLinkStatus(path);

        public void SetTimes(string path, DateTime? lastAccessTimeUtc, DateTime? lastWriteTimeUtc, bool followLinks) =>
            BrokeredFileSystem.SetTimes(path, lastAccessTimeUtc, lastWriteTimeUtc, followLinks);

        public void SetMode(string path, UnixFileMode mode) => BrokeredFileSystem.SetMode(path, mode);

        public void CreateSymbolicLink(string path, string target) => BrokeredFileSystem.CreateSymbolicLink(path, target);

        public void MoveDirectory(string source, string destination) => BrokeredFileSystem.MoveDirectory(source, destination);

        public void DeleteFile(string path) => BrokeredFileSystem.DeleteFile(path);

        public void MoveFile(string source, string destination, bool overwrite) => BrokeredFileSystem.MoveFile(source, destination, overwrite);

        public void CreateDirectory(string path, UnixFileMode? mode = null) => BrokeredFileSystem.CreateDirectory(path, mode);

        public void DeleteDirectory(string path, bool recursive) => BrokeredFileSystem.DeleteDirectory(path, recursive);

        public IEnumerable<DirectoryEntry> EnumerateDirectory(string path) => BrokeredFileSystem.EnumerateDirectory(path);

        public PingResponse Ping(string hostOrAddress, int timeoutMilliseconds, byte[] buffer, PingOptions? options) =>
            BrokeredPing.Send(hostOrAddress, timeoutMilliseconds, buffer, options);

        public Task<PingResponse> PingAsync(string hostOrAddress, int timeoutMilliseconds, byte[] buffer, PingOptions? options, CancellationToken cancellationToken) =>
            BrokeredPing.SendAsync(hostOrAddress, timeoutMilliseconds, buffer, options, cancellationToken);

        public ExecCheckResponse CheckCommand(ExecRequest request) => BrokeredCommands.Check(request);
    }
}

using System.Net;
using System.Net.NetworkInformation;
using Microsoft.Win32.SafeHandles;
using PrivSep.Protocol.Contracts;
using PrivSep.Shim.Routing;

namespace PrivSep.Shim.Tests.Support;

/// <summary>
/// A stand-in broker that performs each action itself (as root, in these tests) and answers the way the client facade
/// does: files come back as a FileStream built on a bare descriptor (synchronous, positioned at 0, as a received
/// descriptor is), a missing file as FileNotFoundException, a listing without "." and "..". Ping answers with
/// <see cref="PingAnswer"/> and remembers what it was asked; exec.check answers with <see cref="CommandAnswer"/>.
/// </summary>
internal sealed class DirectBrokerActions : IBrokerActions
{
    private readonly List<ExecRequest> commandChecks = [];

    /// <summary>How exec.check answers (or throws, as the client facade would); by default no rule names the command.</summary>
    public Func<ExecRequest, ExecCheckResponse> CommandAnswer { get; set; } = _ => new ExecCheckResponse(ExecRoute.Local, "no exec rule names the path");

    public IReadOnlyList<ExecRequest> CommandChecks => this.commandChecks;

    public PingResponse PingAnswer { get; set; } = new(IPStatus.Success, "127.0.0.1", 1, [], 64, false);

    public (string Host, int Timeout, byte[] Buffer, PingOptions? Options)? LastPing { get; private set; }

    public FileStream OpenFile(string path, FileMode mode, FileAccess access, FileShare share, int bufferSize, FileOptions options)
    {
        // As the client facade: a plain descriptor, wrapped with isAsync taken from the options.
        var handle = File.OpenHandle(path, mode, access, share, options & ~FileOptions.Asynchronous);
        return new FileStream(handle, access, Math.Max(bufferSize, 0), isAsync: (options & FileOptions.Asynchronous) != 0);
    }

    public Task<FileStream> OpenFileAsync(string path, FileMode mode, FileAccess access, FileShare share, int bufferSize, FileOptions options, CancellationToken cancellationToken) =>
        Task.FromResult(this.OpenFile(path, mode, access, share, bufferSize, options));

    /// <summary>
    /// As the broker: the descriptor of the object, no FileShare lock held on it (FileShare.None locks exclusively,
    /// which a caller's own flock on the same descriptor then converts), no truncation when the client truncates.
    /// </summary>
    public SafeFileHandle OpenHandle(string path, FileMode mode, FileAccess access, FileShare share, FileOptions options, UnixFileMode? createMode, bool clientTruncates)
    {
        bool existed = File.Exists(path);
        var openMode = clientTruncates ? mode switch { FileMode.Create => FileMode.OpenOrCreate, FileMode.Truncate => FileMode.Open, _ => mode } : mode;
        var handle = File.OpenHandle(path, openMode, access, FileShare.None, options & ~FileOptions.Asynchronous);
        if (!existed && createMode is { } created)
        {
            File.SetUnixFileMode(handle, created);
        }

        return handle;
    }

    public Task<SafeFileHandle> OpenHandleAsync(string path, FileMode mode, FileAccess access, FileShare share, FileOptions options, UnixFileMode? createMode, bool clientTruncates, CancellationToken cancellationToken) =>
        Task.FromResult(this.OpenHandle(path, mode, access, share, options, createMode, clientTruncates));

    /// <summary>As the broker's lstat: a link's own status, its text, and its target's status.</summary>
    public FileStatusResponse GetLinkStatus(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not { } target)
        {
            return this.GetStatus(path);
        }

        var targetStatus = this.GetStatus(path);
        return new FileStatusResponse(FileSystemEntryKind.Other, info.Attributes, info.Length, info.LastWriteTimeUtc, info.LastAccessTimeUtc, info.FullName, LinkTarget: target, LinkTargetStatus: targetStatus.Exists ? targetStatus : null);
    }

    public void SetTimes(string path, DateTime? lastAccessTimeUtc, DateTime? lastWriteTimeUtc, bool followLinks)
    {
        if (lastAccessTimeUtc is { } access)
        {
            File.SetLastAccessTimeUtc(path, access);
        }

        if (lastWriteTimeUtc is { } write)
        {
            File.SetLastWriteTimeUtc(path, write);
        }
    }

    public void SetMode(string path, UnixFileMode mode) => File.SetUnixFileMode(path, mode);

    public void CreateSymbolicLink(string path, string target) => File.CreateSymbolicLink(path, target);

    public void MoveDirectory(string source, string destination) => Directory.Move(source, destination);

    public FileStatusResponse GetStatus(string path)
    {
        FileSystemInfo info = Directory.Exists(path) ? new DirectoryInfo(path) : new FileInfo(path);
        if (!info.Exists)
        {
            return new FileStatusResponse(FileSystemEntryKind.None, 0, 0, default, default, null);
        }

        var kind = info is DirectoryInfo ? FileSystemEntryKind.Directory : FileSystemEntryKind.File;
        long length = info is FileInfo file ? file.Length : 0;
        return new FileStatusResponse(kind, info.Attributes, length, info.LastWriteTimeUtc, info.LastAccessTimeUtc, info.FullName);
    }

    public void DeleteFile(string path)
    {
        if (!File.Exists(path) && Directory.Exists(Path.GetDirectoryName(Path.GetFullPath(path))))
        {
            throw new FileNotFoundException($"Could not find file '{path}'.", path);
        }

        File.Delete(path);
    }

    public void MoveFile(string source, string destination, bool overwrite) => File.Move(source, destination, overwrite);

    public void CreateDirectory(string path, UnixFileMode? mode = null)
    {
        if (mode is { } created)
        {
            Directory.CreateDirectory(path, created);
        }
        else
        {
            Directory.CreateDirectory(path);
        }
    }

    public void DeleteDirectory(string path, bool recursive) => Directory.Delete(path, recursive);

    /// <summary>Rewrites each listed entry, e.g. as the broker describes a link whose target the client may not read.</summary>
    public Func<DirectoryEntry, DirectoryEntry> DescribeEntry { get; set; } = entry => entry;

    public IEnumerable<DirectoryEntry> EnumerateDirectory(string path)
    {
        var listing = new DirectoryInfo(path).EnumerateFileSystemInfos("*", new EnumerationOptions { AttributesToSkip = 0, IgnoreInaccessible = false });
        return listing.Select(info => this.DescribeEntry(new DirectoryEntry(
            info.Name,
            info is DirectoryInfo ? FileSystemEntryKind.Directory : FileSystemEntryKind.File,
            info.Attributes,
            info is FileInfo file ? file.Length : 0,
            info.LastWriteTimeUtc)));
    }

    public PingResponse Ping(string hostOrAddress, int timeoutMilliseconds, byte[] buffer, PingOptions? options)
    {
        this.LastPing = (hostOrAddress, timeoutMilliseconds, buffer, options);
        return this.PingAnswer;
    }

    public Task<PingResponse> PingAsync(string hostOrAddress, int timeoutMilliseconds, byte[] buffer, PingOptions? options, CancellationToken cancellationToken) =>
        Task.FromResult(this.Ping(hostOrAddress, timeoutMilliseconds, buffer, options));

    public ExecCheckResponse CheckCommand(ExecRequest request)
    {
        this.commandChecks.Add(request);
        return this.CommandAnswer(request);
    }
}

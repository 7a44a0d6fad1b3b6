using Microsoft.Win32.SafeHandles;
using PrivSep.Protocol;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Shim.Client;

/// <summary>
/// File-system actions performed by the broker. Paths are made absolute here (the broker never sees the
/// agent's working directory); every failure surfaces as the exception the BCL would throw.
/// </summary>
public static class BrokeredFileSystem
{
    /// <summary>Entries fetched per round trip during directory enumeration.</summary>
    private const int DirectoryPageSize = 512;

    /// <summary>Opens a file through the broker and wraps the descriptor it passes back in a real <see cref="FileStream"/>.</summary>
    public static FileStream OpenFile(string path, FileMode mode, FileAccess access, FileShare share = FileShare.Read, int bufferSize = 4096, FileOptions options = FileOptions.None) =>
        OpenFileAsync(path, mode, access, share, bufferSize, options, CancellationToken.None).GetAwaiter().GetResult();

    public static async Task<FileStream> OpenFileAsync(string path, FileMode mode, FileAccess access, FileShare share, int bufferSize, FileOptions options, CancellationToken cancellationToken)
    {
        string full = Path.GetFullPath(path);
        var request = new OpenFileRequest(full, mode, access, share, options, PluginIdentity.Current());
        var handle = await BrokerClient.Shared.InvokeAsync(
            full,
            async (connection, token) =>
            {
                var response = await connection.Service.OpenFileAsync(request, token).ConfigureAwait(false);
                return connection.Stream.Received.Take(response.DescriptorSequence);
            },
            cancellationToken).ConfigureAwait(false);
        // A received descriptor is a synchronous handle and FileStream refuses isAsync: true for it; on Linux async
        // file I/O runs on the thread pool either way, so nothing is lost.
        return new FileStream(handle, access, Math.Max(bufferSize, 0), isAsync: false);
    }

    /// <summary>
    /// Opens a file through the broker and returns the descriptor it passes back, with nothing of FileStream's semantics
    /// added (no lock, no truncation when <paramref name="clientTruncates"/>, no append position): the caller adds them.
    /// </summary>
    public static async Task<SafeFileHandle> OpenHandleAsync(string path, FileMode mode, FileAccess access, FileShare share, FileOptions options, UnixFileMode? createMode, bool clientTruncates, CancellationToken cancellationToken)
    {
        string full = Path.GetFullPath(path);
        var request = new OpenFileRequest(full, mode, access, share, options, PluginIdentity.Current(), (int?)createMode, clientTruncates);
        return await BrokerClient.Shared.InvokeAsync(
            full,
            async (connection, token) =>
            {
                var response = await connection.Service.OpenFileAsync(request, token).ConfigureAwait(false);
                return connection.Stream.Received.Take(response.DescriptorSequence);
            },
            cancellationToken).ConfigureAwait(false);
    }

    public static FileStatusResponse GetStatus(string path)
    {
        string full = Path.GetFullPath(path);
        var request = new PathRequest(full, PluginIdentity.Current());
        return BrokerClient.Shared.Invoke(full, (c, t) => c.Service.GetFileStatusAsync(request, t));
    }

    /// <summary>As <see cref="GetStatus"/>, of a symbolic link itself (with its text and, when readable, its target's status).</summary>
    public static FileStatusResponse GetLinkStatus(string path)
    {
        string full = Path.GetFullPath(path);
        var request = new PathRequest(full, PluginIdentity.Current());
        return BrokerClient.Shared.Invoke(full, (c, t) => c.Service.GetLinkStatusAsync(request, t));
    }

    public static void SetTimes(string path, DateTime? lastAccessTimeUtc, DateTime? lastWriteTimeUtc, bool followLinks)
    {
        string full = Path.GetFullPath(path);
        var request = new SetFileTimesRequest(full, lastAccessTimeUtc, lastWriteTimeUtc, followLinks, PluginIdentity.Current());
        BrokerClient.Shared.Invoke(full, (c, t) => c.Service.SetFileTimesAsync(request, t));
    }

    public static void SetMode(string path, UnixFileMode mode)
    {
        string full = Path.GetFullPath(path);
        var request = new SetFileModeRequest(full, (int)mode, PluginIdentity.Current());
        BrokerClient.Shared.Invoke(full, (c, t) => c.Service.SetFileModeAsync(request, t));
    }

    /// <summary>Creates a symbolic link at <paramref name="path"/> whose text is <paramref name="target"/>, unchanged (relative stays relative).</summary>
    public static void CreateSymbolicLink(string path, string target)
    {
        string full = Path.GetFullPath(path);
        var request = new CreateSymbolicLinkRequest(full, target, PluginIdentity.Current());
        BrokerClient.Shared.Invoke(full, (c, t) => c.Service.CreateSymbolicLinkAsync(request, t));
    }

    public static void MoveDirectory(string source, string destination)
    {
        string fullSource = Path.GetFullPath(source);
        var request = new MoveFileRequest(fullSource, Path.GetFullPath(destination), Overwrite: false, PluginIdentity.Current());
        BrokerClient.Shared.Invoke(fullSource, (c, t) => c.Service.MoveDirectoryAsync(request, t));
    }

    public static void DeleteFile(string path)
    {
        string full = Path.GetFullPath(path);
        var request = new PathRequest(full, PluginIdentity.Current());
        BrokerClient.Shared.Invoke(full, (c, t) => c.Service.DeleteFileAsync(request, t));
    }

    public static void MoveFile(string source, string destination, bool overwrite)
    {
        string fullSource = Path.GetFullPath(source);
        var request = new MoveFileRequest(fullSource, Path.GetFullPath(destination), overwrite, PluginIdentity.Current());
        BrokerClient.Shared.Invoke(fullSource, (c, t) => c.Service.MoveFileAsync(request, t));
    }

    /// <summary>Creates the directory and any missing parents, as <see cref="Directory.CreateDirectory(string)"/> does.</summary>
    /// <param name="mode">Permission bits of each directory created, umask already applied; null for the broker's default.</param>
    public static void CreateDirectory(string path, UnixFileMode? mode = null)
    {
        string full = Path.GetFullPath(path);
        var request = new CreateDirectoryRequest(full, (int?)mode, PluginIdentity.Current());
        BrokerClient.Shared.Invoke(full, (c, t) => c.Service.CreateDirectoryAsync(request, t));
    }

    /// <summary>Removes a directory; with <paramref name="recursive"/>, its contents first (symbolic links are removed, never followed).</summary>
    public static void DeleteDirectory(string path, bool recursive)
    {
        string full = Path.GetFullPath(path);
        if (recursive)
        {
            foreach (var entry in EnumerateDirectory(full).ToList())
            {
                string child = Path.Join(full, entry.Name);

                // A symbolic link is removed itself, never followed: deleting through it could reach outside the tree.
                if (entry.Kind == FileSystemEntryKind.Directory && !entry.Attributes.HasFlag(FileAttributes.ReparsePoint))
                {
                    DeleteDirectory(child, recursive: true);
                }
                else
                {
                    DeleteFile(child);
                }
            }
        }

        var request = new PathRequest(full, PluginIdentity.Current());
        BrokerClient.Shared.Invoke(full, (c, t) => c.Service.DeleteDirectoryAsync(request, t));
    }

    /// <summary>
    /// Lists a directory's entries (names only, no "." or ".."). The directory is opened now, so a missing or denied
    /// directory throws here as the BCL's enumerables do; pages are fetched lazily and the broker-side handle is
    /// released when enumeration ends or the enumerator is disposed.
    /// </summary>
    public static IEnumerable<DirectoryEntry> EnumerateDirectory(string path)
    {
        string full = Path.GetFullPath(path);
        var request = new PathRequest(full, PluginIdentity.Current());
        var opened = BrokerClient.Shared.Invoke(full, async (c, t) => (Connection: c, Response: await c.Service.OpenDirectoryAsync(request, t).ConfigureAwait(false)));
        return ReadPages(full, opened.Connection, opened.Response.Handle);
    }

    private static IEnumerable<DirectoryEntry> ReadPages(string path, BrokerChannel connection, long handle)
    {
        bool finished = false;
        try
        {
            while (!finished)
            {
                // The handle belongs to the connection that opened it; a reconnect in between would make it meaningless.
                var page = BrokerClient.Shared.Invoke(path, (_, t) => connection.Service.ReadDirectoryAsync(new ReadDirectoryRequest(handle, DirectoryPageSize), t));
                finished = page.IsLast;
                foreach (var entry in page.Entries)
                {
                    yield return entry;
                }
            }
        }
        finally
        {
            if (!finished && connection.IsAlive)
            {
                try
                {
                    BrokerClient.Shared.Invoke(path, (_, t) => connection.Service.CloseHandleAsync(new CloseHandleRequest(handle), t));
                }
                catch (IOException)
                {
                    // The broker frees the handle on idle timeout or disconnect anyway.
                }
            }
        }
    }
}

using System.Net.Sockets;
using PrivSep.Broker.FileSystem;

namespace PrivSep.Broker.Hosting;

/// <summary>
/// Creates the listening socket the way DESIGN.md asks: in a root-owned directory (0750, group of the agent user),
/// the socket itself 0660 set right after bind, a stale socket from a crashed broker replaced, a live one respected.
/// </summary>
internal static class SocketEndpoint
{
    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute;
    private const UnixFileMode SocketMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;

    /// <summary>Listens on <paramref name="socketPath"/>; every reason it cannot is a <see cref="BrokerStartupException"/> naming the path and the fix.</summary>
    public static Socket Listen(string socketPath, uint agentGroup, int backlog)
    {
        if (!Path.IsPathFullyQualified(socketPath))
        {
            throw new BrokerStartupException($"--socket '{socketPath}' must be an absolute path.");
        }

        try
        {
            ThrowIfAFolderIsAFile(socketPath);
            PrepareDirectory(Path.GetDirectoryName(socketPath)!, agentGroup);
            RemoveStaleSocket(socketPath);
            return Bind(socketPath, agentGroup, backlog);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SocketException or ArgumentException)
        {
            // ArgumentException: a path the socket address cannot hold (longer than 107 bytes).
            throw new BrokerStartupException($"Cannot listen on --socket '{socketPath}': {ex.Message} Choose a --socket in a root-owned directory the broker can create or use, such as {Protocol.ProtocolDefaults.SocketPath}.");
        }
    }

    private static Socket Bind(string socketPath, uint agentGroup, int backlog)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(socketPath));
            File.SetUnixFileMode(socketPath, SocketMode);
            Syscalls.Chown(socketPath, 0, agentGroup);
            socket.Listen(backlog);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static void PrepareDirectory(string directory, uint agentGroup)
    {
        if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory, DirectoryMode);
            Syscalls.Chown(directory, 0, agentGroup);
            return;
        }

        // An existing directory is not ours to loosen or tighten; it only has to be safe.
        var info = new DirectoryInfo(directory);
        var mode = info.UnixFileMode;
        bool writableByOthers = (mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0;
        bool sticky = (mode & UnixFileMode.StickyBit) != 0;
        if (writableByOthers && !sticky)
        {
            throw new BrokerStartupException($"The socket directory '{directory}' is writable by group or others (mode {Convert.ToString((int)mode, 8)}), so another user could replace the socket: use a root-owned 0750 directory such as /run/privsep.");
        }
    }

    /// <summary>Names the file that stands where a folder of the socket's path must be (e.g. --socket /etc/passwd/x.sock).</summary>
    private static void ThrowIfAFolderIsAFile(string socketPath)
    {
        for (string? folder = Path.GetDirectoryName(socketPath); folder is not null; folder = Path.GetDirectoryName(folder))
        {
            if (File.Exists(folder))
            {
                throw new BrokerStartupException($"Cannot listen on --socket '{socketPath}': '{folder}' is a file, not a directory. Choose another --socket, such as {Protocol.ProtocolDefaults.SocketPath}.");
            }
        }
    }

    private static void RemoveStaleSocket(string socketPath)
    {
        var info = new FileInfo(socketPath);
        if (!info.Exists && info.LinkTarget is null)
        {
            return;
        }

        if (info.LinkTarget is not null || (info.Attributes & FileAttributes.Directory) != 0 || !IsSocket(socketPath))
        {
            throw new BrokerStartupException($"'{socketPath}' exists and is not a socket; remove it or choose another --socket.");
        }

        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(socketPath));
            throw new BrokerStartupException($"Another broker is already listening on '{socketPath}'; stop it first.");
        }
        catch (SocketException)
        {
            File.Delete(socketPath);
        }
    }

    private static bool IsSocket(string path)
    {
        using var handle = Syscalls.OpenAt2(null, path, Interop.LibC.O_PATH | Interop.LibC.O_NOFOLLOW, 0, 0);
        return (Syscalls.Stat(handle).Mode & Interop.LibC.S_IFMT) == 0xC000;
    }
}

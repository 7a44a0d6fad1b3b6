using System.Net.Sockets;

namespace PrivSep.Protocol.Tests;

/// <summary>Two connected Unix stream sockets through a real listener in a temporary directory.</summary>
internal sealed class SocketPair : IDisposable
{
    private readonly string directory;

    private SocketPair(string directory, Socket client, Socket server)
    {
        this.directory = directory;
        this.Client = client;
        this.Server = server;
    }

    public Socket Client { get; }

    public Socket Server { get; }

    public static async Task<SocketPair> CreateAsync()
    {
        string directory = Directory.CreateTempSubdirectory("privsep-proto-").FullName;
        string path = Path.Combine(directory, "s.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen();
        var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        var accept = listener.AcceptAsync();
        await client.ConnectAsync(new UnixDomainSocketEndPoint(path));
        return new SocketPair(directory, client, await accept);
    }

    public void Dispose()
    {
        this.Client.Dispose();
        this.Server.Dispose();
        Directory.Delete(this.directory, recursive: true);
    }
}

using System.Buffers.Binary;
using System.Net.Sockets;

namespace PrivSep.Bench.Echo;

/// <summary>One connection to the echo server; each round trip sends one length-prefixed frame and reads it back.</summary>
internal sealed class RawEchoClient : IDisposable
{
    private readonly Socket socket;
    private readonly byte[] request;
    private readonly byte[] response;

    private RawEchoClient(Socket socket, int payloadBytes)
    {
        this.socket = socket;
        this.request = new byte[EchoServer.HeaderLength + payloadBytes];
        this.response = new byte[this.request.Length];
        BinaryPrimitives.WriteInt32BigEndian(this.request, payloadBytes);
        Random.Shared.NextBytes(this.request.AsSpan(EchoServer.HeaderLength));
    }

    public static async Task<RawEchoClient> ConnectAsync(string socketPath, int payloadBytes)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath)).ConfigureAwait(false);
        return new RawEchoClient(socket, payloadBytes);
    }

    public async ValueTask RoundTripAsync()
    {
        await EchoServer.SendAllAsync(this.socket, this.request, CancellationToken.None).ConfigureAwait(false);
        if (!await EchoServer.ReceiveExactlyAsync(this.socket, this.response, CancellationToken.None).ConfigureAwait(false))
        {
            throw new EndOfStreamException("The echo server closed the connection.");
        }
    }

    public void Dispose() => this.socket.Dispose();
}

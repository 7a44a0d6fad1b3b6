using System.Buffers.Binary;
using System.Net.Sockets;

namespace PrivSep.Bench.Echo;

/// <summary>
/// The raw baseline's far end (<c>PrivSep.Bench echo-server SOCKET</c>, a separate process as the broker is): it sends
/// every length-prefixed frame straight back. Same I/O model as the broker (async sockets on the thread pool), no
/// JSON, no authentication, no policy, no audit: the floor that any request/response over this socket pays.
/// It exits when its standard input closes, so it never outlives the harness.
/// </summary>
internal static class EchoServer
{
    public const int HeaderLength = 4;

    public static async Task<int> RunAsync(string socketPath)
    {
        File.Delete(socketPath);
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        listener.Listen(16);
        using var stop = new CancellationTokenSource();
        var parentGone = Task.Run(async () =>
        {
            using var stdin = Console.OpenStandardInput();
            var sink = new byte[64];
            while (await stdin.ReadAsync(sink).ConfigureAwait(false) > 0)
            {
            }

            await stop.CancelAsync().ConfigureAwait(false);
        });

        Console.Out.WriteLine("listening on " + socketPath);
        Console.Out.Flush();
        try
        {
            while (true)
            {
                var client = await listener.AcceptAsync(stop.Token).ConfigureAwait(false);
                _ = Task.Run(() => ServeAsync(client, stop.Token));
            }
        }
        catch (OperationCanceledException)
        {
            return 0;
        }
        finally
        {
            File.Delete(socketPath);
        }
    }

    /// <summary>Reads whatever the socket has (as the broker's framing does) and echoes each complete frame.</summary>
    private static async Task ServeAsync(Socket client, CancellationToken stopping)
    {
        using (client)
        {
            var buffer = new byte[64 * 1024];
            int filled = 0;
            try
            {
                while (true)
                {
                    int n = await client.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, stopping).ConfigureAwait(false);
                    if (n == 0)
                    {
                        return;
                    }

                    filled += n;
                    int consumed = 0;
                    while (filled - consumed >= HeaderLength)
                    {
                        int length = BinaryPrimitives.ReadInt32BigEndian(buffer.AsSpan(consumed));
                        if (length < 0 || length > buffer.Length - HeaderLength)
                        {
                            return;
                        }

                        if (filled - consumed < HeaderLength + length)
                        {
                            break;
                        }

                        await SendAllAsync(client, buffer.AsMemory(consumed, HeaderLength + length), stopping).ConfigureAwait(false);
                        consumed += HeaderLength + length;
                    }

                    Buffer.BlockCopy(buffer, consumed, buffer, 0, filled - consumed);
                    filled -= consumed;
                }
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
            }
        }
    }

    /// <returns>False when the peer closed the connection before the first byte.</returns>
    internal static async ValueTask<bool> ReceiveExactlyAsync(Socket socket, Memory<byte> into, CancellationToken cancellationToken)
    {
        int received = 0;
        while (received < into.Length)
        {
            int n = await socket.ReceiveAsync(into[received..], SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                if (received == 0)
                {
                    return false;
                }

                throw new EndOfStreamException("The peer closed the connection in the middle of a frame.");
            }

            received += n;
        }

        return true;
    }

    internal static async ValueTask SendAllAsync(Socket socket, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            int n = await socket.SendAsync(data, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            data = data[n..];
        }
    }
}

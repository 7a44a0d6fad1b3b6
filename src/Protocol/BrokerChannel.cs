using System.Net.Sockets;
using PrivSep.Protocol.Contracts;
using PrivSep.Protocol.Handshake;
using PrivSep.Protocol.Transport;
using StreamJsonRpc;

namespace PrivSep.Protocol;

/// <summary>
/// One authenticated agent-side connection to the broker: socket, handshake, JSON-RPC proxy and the descriptors
/// received on it. The Shim keeps one per process; tests and benchmarks open as many as they need.
/// </summary>
public sealed class BrokerChannel : IDisposable
{
    private readonly JsonRpc rpc;

    private BrokerChannel(DescriptorSocketStream stream, JsonRpc rpc)
    {
        this.Stream = stream;
        this.rpc = rpc;
        this.Service = rpc.Attach<IBrokerService>();
    }

    public DescriptorSocketStream Stream { get; }

    public IBrokerService Service { get; }

    public JsonRpc Rpc => this.rpc;

    public bool IsAlive => !this.rpc.IsDisposed && !this.rpc.Completion.IsCompleted;

    /// <exception cref="IOException">The broker is not reachable (the message says where it looked and why) or refused the handshake.</exception>
    public static async Task<BrokerChannel> ConnectAsync(string socketPath, SharedSecret secret, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), deadline.Token).ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new IOException(DescribeConnectFailure(socketPath, ex), ex);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new IOException($"The PrivSep broker at '{socketPath}' did not accept the connection within {timeout.TotalSeconds:0.#} s.");
        }

        var stream = new DescriptorSocketStream(socket, acceptDescriptors: true);
        try
        {
            await HandshakeClient.AuthenticateAsync(stream, secret, socketPath, timeout, cancellationToken).ConfigureAwait(false);
            var rpc = new JsonRpc(RpcChannel.CreateClientHandler(stream));
            rpc.StartListening();
            return new BrokerChannel(stream, rpc);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        this.rpc.Dispose();
        this.Stream.Dispose();
    }

    private static string DescribeConnectFailure(string socketPath, SocketException ex) => ex.SocketErrorCode switch
    {
        SocketError.ConnectionRefused =>
            $"The PrivSep broker is not reachable at '{socketPath}': the socket exists but nothing is listening (the broker stopped). Start privsep-broker.",
        SocketError.AccessDenied =>
            $"The PrivSep broker is not reachable at '{socketPath}': permission denied. The agent user must be in the group that owns the socket directory (0750) and the socket (0660).",
        _ when !File.Exists(socketPath) =>
            $"The PrivSep broker is not reachable at '{socketPath}': no such socket. Is privsep-broker running (systemctl start privsep-broker)? Set {ProtocolDefaults.SocketEnvironmentVariable} if it listens elsewhere.",
        _ => $"The PrivSep broker is not reachable at '{socketPath}': {ex.Message}.",
    };
}

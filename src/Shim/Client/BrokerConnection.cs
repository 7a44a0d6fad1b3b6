using System.Net.Sockets;
using PrivSep.Protocol;
using PrivSep.Protocol.Contracts;
using PrivSep.Protocol.Handshake;
using PrivSep.Protocol.Transport;
using StreamJsonRpc;

namespace PrivSep.Shim.Client;

/// <summary>One authenticated JSON-RPC connection to the broker, with the descriptors it has received.</summary>
internal sealed class BrokerConnection : IDisposable
{
    private readonly JsonRpc rpc;

    private BrokerConnection(DescriptorSocketStream stream, JsonRpc rpc)
    {
        this.Stream = stream;
        this.rpc = rpc;
        this.Service = rpc.Attach<IBrokerService>();
    }

    public DescriptorSocketStream Stream { get; }

    public IBrokerService Service { get; }

    public bool IsAlive => !this.rpc.IsDisposed && !this.rpc.Completion.IsCompleted;

    public static async Task<BrokerConnection> ConnectAsync(ShimSettings settings, CancellationToken cancellationToken)
    {
        string socketPath = settings.SocketPath;
        var secret = SharedSecret.Load(settings.SecretFilePath);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                timeout.CancelAfter(settings.ConnectTimeout);
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), timeout.Token).ConfigureAwait(false);
            }
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new IOException(DescribeConnectFailure(socketPath, ex), ex);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new IOException($"The PrivSep broker at '{socketPath}' did not accept the connection within {settings.ConnectTimeout.TotalSeconds:0.#} s.");
        }

        var stream = new DescriptorSocketStream(socket, acceptDescriptors: true);
        try
        {
            await HandshakeClient.AuthenticateAsync(stream, secret, socketPath, settings.ConnectTimeout, cancellationToken).ConfigureAwait(false);
            var rpc = new JsonRpc(RpcChannel.CreateClientHandler(stream));
            rpc.StartListening();
            return new BrokerConnection(stream, rpc);
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
        SocketError.AddressNotAvailable or SocketError.AddressFamilyNotSupported when !File.Exists(socketPath) && !Directory.Exists(Path.GetDirectoryName(socketPath)) =>
            $"The PrivSep broker is not reachable at '{socketPath}': the directory does not exist or is not accessible. Is privsep-broker running (systemctl start privsep-broker)? Set {ProtocolDefaults.SocketEnvironmentVariable} if it listens elsewhere.",
        SocketError.ConnectionRefused =>
            $"The PrivSep broker is not reachable at '{socketPath}': the socket exists but nothing is listening (the broker stopped). Start privsep-broker.",
        SocketError.AccessDenied =>
            $"The PrivSep broker is not reachable at '{socketPath}': permission denied. The agent user must be in the group that owns the socket directory (mode 0750) and the socket (0660).",
        _ when !File.Exists(socketPath) =>
            $"The PrivSep broker is not reachable at '{socketPath}': no such socket. Is privsep-broker running (systemctl start privsep-broker)? Set {ProtocolDefaults.SocketEnvironmentVariable} if it listens elsewhere.",
        _ => $"The PrivSep broker is not reachable at '{socketPath}': {ex.Message}.",
    };
}

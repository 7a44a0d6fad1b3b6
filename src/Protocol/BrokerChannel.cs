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
        var stream = await BrokerSocket.ConnectAsync(socketPath, secret, timeout, cancellationToken).ConfigureAwait(false);
        try
        {
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
}

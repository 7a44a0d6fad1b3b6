using System.Buffers.Binary;
using System.Text;
using PrivSep.Protocol;
using PrivSep.Protocol.Tests;
using PrivSep.Protocol.Transport;
using PrivSep.Relay.Rpc;

namespace PrivSep.Relay.Tests.Support;

/// <summary>
/// The broker's end of a real Unix socket connection whose other end is the relay's <see cref="BrokerRpcClient"/>
/// (past the handshake, which is the Protocol's and tested there): a test reads the relay's requests as they arrive
/// on the wire and writes whatever answers, bytes and descriptors it wants to test the relay with.
/// </summary>
internal sealed class ScriptedBroker : IDisposable
{
    /// <summary>The broker's answer to exec.start (request id 1): handle 1, descriptors 0, 1, 2 of the connection.</summary>
    public const string StartedJson = """{"jsonrpc":"2.0","id":1,"result":{"Handle":1,"Pid":15029,"StdinDescriptor":0,"StdoutDescriptor":1,"StderrDescriptor":2}}""";

    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(10);

    private readonly SocketPair sockets;
    private readonly DescriptorSocketStream brokerEnd;

    private ScriptedBroker(SocketPair sockets, int maxMessageBytes)
    {
        this.sockets = sockets;
        this.brokerEnd = new DescriptorSocketStream(sockets.Server, acceptDescriptors: false);
        this.Client = new BrokerRpcClient(new DescriptorSocketStream(sockets.Client, acceptDescriptors: true), maxMessageBytes);
    }

    /// <summary>The relay's end.</summary>
    public BrokerRpcClient Client { get; }

    public static async Task<ScriptedBroker> ConnectAsync(int maxMessageBytes = ProtocolDefaults.ClientMaxMessageBytes) =>
        new(await SocketPair.CreateAsync(), maxMessageBytes);

    /// <summary>The next request's JSON exactly as it came over the wire, after its length header was checked.</summary>
    public async Task<string> ReadRequestAsync()
    {
        byte[] header = new byte[RpcFrame.HeaderLength];
        await this.brokerEnd.ReadExactlyAsync(header).AsTask().WaitAsync(Generous);
        byte[] body = new byte[BinaryPrimitives.ReadInt32BigEndian(header)];
        await this.brokerEnd.ReadExactlyAsync(body).AsTask().WaitAsync(Generous);
        return Encoding.UTF8.GetString(body);
    }

    /// <summary>Sends <paramref name="json"/> framed as the broker frames its answers.</summary>
    public Task AnswerAsync(string json) => this.SendAsync(Frame(json));

    /// <summary>Sends <paramref name="bytes"/> as they are; with <paramref name="inPieces"/>, a few bytes a write, so the relay reads them in pieces.</summary>
    public async Task SendAsync(byte[] bytes, bool inPieces = false)
    {
        int piece = inPieces ? 7 : bytes.Length;
        for (int offset = 0; offset < bytes.Length; offset += piece)
        {
            await this.brokerEnd.WriteAsync(bytes.AsMemory(offset, Math.Min(piece, bytes.Length - offset))).AsTask().WaitAsync(Generous);
            if (inPieces)
            {
                // Gives the relay's reader time to take each piece on its own.
                await Task.Delay(2);
            }
        }
    }

    /// <summary>Queues <paramref name="count"/> descriptors (of /dev/null) to travel with the next bytes sent, numbered from 0 on this connection.</summary>
    public void AttachDescriptors(int count)
    {
        for (int i = 0; i < count; i++)
        {
            this.brokerEnd.EnqueueDescriptor(File.OpenHandle("/dev/null", FileMode.Open, FileAccess.ReadWrite));
        }
    }

    public static byte[] Frame(string json)
    {
        byte[] body = Encoding.UTF8.GetBytes(json);
        byte[] frame = new byte[RpcFrame.HeaderLength + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, body.Length);
        body.CopyTo(frame, RpcFrame.HeaderLength);
        return frame;
    }

    /// <summary>
    /// Starts <paramref name="command"/> on this connection as the relay does and answers as the broker does (request
    /// id 1, handle 1, three descriptors); returns the relay's command, its descriptors taken.
    /// </summary>
    public async Task<BrokeredCommand> StartCommandAsync(RelayCommandLine command)
    {
        var starting = BrokeredCommand.StartAsync(this.Client, command, BrokeredCommand.StartRequest(command), CancellationToken.None);
        await this.ReadRequestAsync();
        this.AttachDescriptors(3);
        await this.AnswerAsync(StartedJson);
        return await starting.WaitAsync(Generous);
    }

    /// <summary>Closes the broker's end, as a broker that stopped would.</summary>
    public void Close() => this.brokerEnd.Dispose();

    public void Dispose()
    {
        this.Client.Dispose();
        this.brokerEnd.Dispose();
        this.sockets.Dispose();
    }
}

using System.Text;
using PrivSep.Relay.Rpc;
using PrivSep.Relay.Tests.Support;

namespace PrivSep.Relay.Tests.Rpc;

/// <summary>The broker's answers off the wire: whole messages however the bytes arrive, and never more than the limit buffered.</summary>
[TestClass]
public sealed class RpcFrameReaderTests
{
    private const int Limit = 64;

    [TestMethod]
    public async Task AMessageArrivingAByteAtATimeIsReadWhole()
    {
        using var stream = new TricklingStream(ScriptedBroker.Frame("""{"jsonrpc":"2.0","id":1,"result":null}"""));

        var message = await new RpcFrameReader(stream, Limit).ReadAsync(CancellationToken.None);

        Assert.AreEqual("""{"jsonrpc":"2.0","id":1,"result":null}""", Encoding.UTF8.GetString(message!));
    }

    [TestMethod]
    public async Task TwoMessagesInOneReadAreReadOneAfterTheOther()
    {
        // As captured: the answer to exec.signal and the answer to exec.wait in the same recvmsg.
        using var stream = new MemoryStream([.. ScriptedBroker.Frame("first"), .. ScriptedBroker.Frame("second")]);
        var reader = new RpcFrameReader(stream, Limit);

        Assert.AreEqual("first", Encoding.UTF8.GetString((await reader.ReadAsync(CancellationToken.None))!));
        Assert.AreEqual("second", Encoding.UTF8.GetString((await reader.ReadAsync(CancellationToken.None))!));
        Assert.IsNull(await reader.ReadAsync(CancellationToken.None), "the end of the connection between messages");
    }

    [TestMethod]
    public async Task AMessageOfExactlyTheLimitIsRead()
    {
        string body = new('x', Limit);
        using var stream = new MemoryStream(ScriptedBroker.Frame(body));

        Assert.AreEqual(body, Encoding.UTF8.GetString((await new RpcFrameReader(stream, Limit).ReadAsync(CancellationToken.None))!));
    }

    [TestMethod]
    [DataRow(Limit + 1)]
    [DataRow(int.MaxValue)]
    [DataRow(0)]
    [DataRow(-1)]
    public async Task ALengthOutsideOneToTheLimitBreaksTheProtocolBeforeAnyOfTheBodyIsRead(int announced)
    {
        byte[] frame = ScriptedBroker.Frame(new string('x', Limit + 1));
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(frame, announced);
        using var stream = new MemoryStream(frame);

        var error = await Assert.ThrowsExactlyAsync<RpcProtocolException>(() => new RpcFrameReader(stream, Limit).ReadAsync(CancellationToken.None).AsTask());

        Assert.AreEqual($"a message announced {announced} bytes, outside 1 to {Limit}", error.Message);
        Assert.AreEqual(4, stream.Position, "only the header was read");
    }

    [TestMethod]
    [DataRow(2, DisplayName = "in the header")]
    [DataRow(10, DisplayName = "in the body")]
    public async Task TheConnectionEndingInsideAMessageIsAnError(int bytesSent)
    {
        using var stream = new MemoryStream(ScriptedBroker.Frame("""{"jsonrpc":"2.0"}""")[..bytesSent]);

        await Assert.ThrowsAsync<EndOfStreamException>(() => new RpcFrameReader(stream, Limit).ReadAsync(CancellationToken.None).AsTask());
    }

    /// <summary>Gives out its bytes one per read, as a connection may.</summary>
    private sealed class TricklingStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, 1));

        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, 1)]);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, 1)], cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            base.ReadAsync(buffer, offset, Math.Min(count, 1), cancellationToken);
    }
}

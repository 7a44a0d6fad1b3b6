using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using PrivSep.Protocol;
using PrivSep.Protocol.Contracts;
using PrivSep.Relay.Rpc;
using StreamJsonRpc;
using StreamJsonRpc.Protocol;

namespace PrivSep.Relay.Tests.Rpc;

/// <summary>
/// The relay's requests on the wire: byte for byte what the Shim's StreamJsonRpc client sent (captured with strace
/// against the real broker), and what StreamJsonRpc's formatter writes for the same request whatever the strings hold.
/// </summary>
[TestClass]
public sealed class RpcFrameTests
{
    [TestMethod]
    public void ExecStartAsCaptured()
    {
        AssertFramed(
            """{"jsonrpc":"2.0","id":2,"method":"exec.start","params":[{"Path":"/usr/bin/true","Arguments":[],"Plugin":null}]}""",
            RpcFrame.Request(2, BrokerMethods.StartCommand, ExecJson.Encode(new ExecRequest("/usr/bin/true", []))));
        AssertFramed(
            """{"jsonrpc":"2.0","id":2,"method":"exec.start","params":[{"Path":"/usr/bin/sleep","Arguments":["3"],"Plugin":"P1"}]}""",
            RpcFrame.Request(2, BrokerMethods.StartCommand, ExecJson.Encode(new ExecRequest("/usr/bin/sleep", ["3"], "P1"))));
    }

    [TestMethod]
    public void ExecWaitAsCaptured() => AssertFramed(
        """{"jsonrpc":"2.0","id":3,"method":"exec.wait","params":[{"Handle":1,"TimeoutMilliseconds":10000}]}""",
        RpcFrame.Request(3, BrokerMethods.WaitCommand, ExecJson.Encode(new ExecWaitRequest(1, ExecLimits.MaxWaitMilliseconds))));

    [TestMethod]
    public void ExecSignalAsCaptured() => AssertFramed(
        """{"jsonrpc":"2.0","id":4,"method":"exec.signal","params":[{"Handle":1,"Signal":15}]}""",
        RpcFrame.Request(4, BrokerMethods.SignalCommand, ExecJson.Encode(new ExecSignalRequest(1, 15))));

    [TestMethod]
    [DataRow("/opt/tools/report \"quoted\"", "back\\slash", "tab\tnew\nline", "<html> & 'apostrophe' +`", "caf\u00e9 \u65e5\u672c \U0001F600", "\u0001\u001f\u007f")]
    [DataRow("/usr/bin/true")]
    public void ExecStartAsStreamJsonRpcWritesItWhateverTheStringsHold(string path, params string[] arguments)
    {
        var request = new ExecRequest(path, arguments, Plugin: arguments.Length > 0 ? arguments[^1] : null);

        byte[] frame = RpcFrame.Request(7, BrokerMethods.StartCommand, ExecJson.Encode(request));

        CollectionAssert.AreEqual(AsStreamJsonRpcWritesIt(7, BrokerMethods.StartCommand, request), frame[RpcFrame.HeaderLength..]);
    }

    [TestMethod]
    public void ExecWaitAndSignalAsStreamJsonRpcWritesThem()
    {
        var wait = new ExecWaitRequest(long.MaxValue, 1);
        var signal = new ExecSignalRequest(-1, int.MinValue);

        CollectionAssert.AreEqual(AsStreamJsonRpcWritesIt(1, BrokerMethods.WaitCommand, wait), RpcFrame.Request(1, BrokerMethods.WaitCommand, ExecJson.Encode(wait))[RpcFrame.HeaderLength..]);
        CollectionAssert.AreEqual(AsStreamJsonRpcWritesIt(2, BrokerMethods.SignalCommand, signal), RpcFrame.Request(2, BrokerMethods.SignalCommand, ExecJson.Encode(signal))[RpcFrame.HeaderLength..]);
    }

    private static void AssertFramed(string expectedJson, byte[] frame)
    {
        Assert.AreEqual(Encoding.UTF8.GetByteCount(expectedJson), BinaryPrimitives.ReadInt32BigEndian(frame), "the 4-byte big-endian length");
        Assert.AreEqual(expectedJson, Encoding.UTF8.GetString(frame, RpcFrame.HeaderLength, frame.Length - RpcFrame.HeaderLength));
    }

    /// <summary>The request's JSON as the Shim's client writes it: StreamJsonRpc with the Protocol's formatter.</summary>
    private static byte[] AsStreamJsonRpcWritesIt(long id, string method, object argument)
    {
        var formatter = RpcChannel.CreateFormatter();
        using var rpc = new JsonRpc(new LengthHeaderMessageHandler(Stream.Null, Stream.Null, formatter));
        var buffer = new ArrayBufferWriter<byte>();
        formatter.Serialize(buffer, new JsonRpcRequest { RequestId = new RequestId(id), Method = method, ArgumentsList = [argument] });
        return buffer.WrittenSpan.ToArray();
    }
}

using System.Buffers.Binary;
using System.Text;
using PrivSep.Protocol.Framing;
using PrivSep.Protocol.Transport;
using StreamJsonRpc;
using StreamJsonRpc.Protocol;

namespace PrivSep.Protocol.Tests;

[TestClass]
public sealed class BoundedMessageHandlerTests
{
    [TestMethod]
    public async Task An_oversized_frame_is_refused_from_its_header_before_any_body_is_read()
    {
        using var pair = await SocketPair.CreateAsync();
        await using var raw = new DescriptorSocketStream(pair.Client, true);
        using var handler = RpcChannel.CreateServerHandler(new DescriptorSocketStream(pair.Server, false), maxMessageBytes: 1024, maxConcurrentRequests: 4);
        var header = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(header, 10 * 1024 * 1024);
        await raw.WriteAsync(header);

        var ex = await Assert.ThrowsExactlyAsync<ProtocolViolationException>(async () => await handler.ReadAsync(CancellationToken.None));
        StringAssert.Contains(ex.Message, "exceeds the limit of 1024 bytes");
    }

    [TestMethod]
    public async Task Malformed_json_is_a_protocol_violation()
    {
        using var pair = await SocketPair.CreateAsync();
        await using var raw = new DescriptorSocketStream(pair.Client, true);
        using var handler = RpcChannel.CreateServerHandler(new DescriptorSocketStream(pair.Server, false), 1024, 4);
        await raw.WriteAsync(Frame("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"));
        await Assert.ThrowsExactlyAsync<ProtocolViolationException>(async () => await handler.ReadAsync(CancellationToken.None));
    }

    [TestMethod]
    public async Task An_unknown_method_is_a_protocol_violation_and_a_known_one_passes()
    {
        using var pair = await SocketPair.CreateAsync();
        await using var raw = new DescriptorSocketStream(pair.Client, true);
        using var handler = RpcChannel.CreateServerHandler(new DescriptorSocketStream(pair.Server, false), 4096, 4);
        await raw.WriteAsync(Frame("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"file.stat\",\"params\":[{\"path\":\"/x\"}]}"));
        var known = await handler.ReadAsync(CancellationToken.None);
        Assert.AreEqual("file.stat", ((JsonRpcRequest)known!).Method);

        await raw.WriteAsync(Frame("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"system.exec\",\"params\":[]}"));
        var ex = await Assert.ThrowsExactlyAsync<ProtocolViolationException>(async () => await handler.ReadAsync(CancellationToken.None));
        StringAssert.Contains(ex.Message, "system.exec");
    }

    [TestMethod]
    public async Task Requests_beyond_the_concurrency_cap_wait_until_a_response_is_written()
    {
        using var pair = await SocketPair.CreateAsync();
        await using var raw = new DescriptorSocketStream(pair.Client, true);
        using var handler = RpcChannel.CreateServerHandler(new DescriptorSocketStream(pair.Server, false), 4096, maxConcurrentRequests: 2);
        for (int id = 1; id <= 3; id++)
        {
            await raw.WriteAsync(Frame($"{{\"jsonrpc\":\"2.0\",\"id\":{id},\"method\":\"file.stat\",\"params\":[{{\"path\":\"/x\"}}]}}"));
        }

        var first = (JsonRpcRequest)(await handler.ReadAsync(CancellationToken.None))!;
        await handler.ReadAsync(CancellationToken.None);
        Assert.AreEqual(2, handler.RequestsInFlight, "what a stopping broker waits for before it closes the connection");
        var third = handler.ReadAsync(CancellationToken.None).AsTask();
        await Task.Delay(300);
        Assert.IsFalse(third.IsCompleted, "a third request must not be taken while two are in flight");

        await handler.WriteAsync(new JsonRpcResult { RequestId = first.RequestId, Result = true }, CancellationToken.None);
        var taken = await third.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.AreEqual(2, handler.RequestsInFlight, "one answered, one more taken");
        Assert.AreEqual(3L, ((JsonRpcRequest)taken!).RequestId.Number);
    }

    [TestMethod]
    public async Task A_clean_close_between_messages_ends_reading_without_error()
    {
        using var pair = await SocketPair.CreateAsync();
        using var handler = RpcChannel.CreateServerHandler(new DescriptorSocketStream(pair.Server, false), 4096, 2);
        pair.Client.Shutdown(System.Net.Sockets.SocketShutdown.Both);
        Assert.IsNull(await handler.ReadAsync(CancellationToken.None));
    }

    [TestMethod]
    public async Task A_notification_for_a_broker_method_is_a_protocol_violation()
    {
        using var pair = await SocketPair.CreateAsync();
        await using var raw = new DescriptorSocketStream(pair.Client, true);
        using var handler = RpcChannel.CreateServerHandler(new DescriptorSocketStream(pair.Server, false), 4096, 4);

        // No id: nothing would ever answer it, so it would hold no request slot; the broker refuses it instead.
        await raw.WriteAsync(Frame("{\"jsonrpc\":\"2.0\",\"method\":\"file.open\",\"params\":[{\"path\":\"/x\"}]}"));

        var ex = await Assert.ThrowsExactlyAsync<ProtocolViolationException>(async () => await handler.ReadAsync(CancellationToken.None));
        StringAssert.Contains(ex.Message, "notification");
        StringAssert.Contains(handler.ViolationReason, "file.open");
    }

    [TestMethod]
    public async Task A_cancellation_notification_passes_but_a_cancellation_request_with_an_id_does_not()
    {
        using var pair = await SocketPair.CreateAsync();
        await using var raw = new DescriptorSocketStream(pair.Client, true);
        using var handler = RpcChannel.CreateServerHandler(new DescriptorSocketStream(pair.Server, false), 4096, 4);
        await raw.WriteAsync(Frame("{\"jsonrpc\":\"2.0\",\"method\":\"$/cancelRequest\",\"params\":{\"id\":1}}"));
        var cancel = await handler.ReadAsync(CancellationToken.None);
        Assert.AreEqual("$/cancelRequest", ((JsonRpcRequest)cancel!).Method);

        await raw.WriteAsync(Frame("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"$/cancelRequest\",\"params\":{\"id\":1}}"));
        await Assert.ThrowsExactlyAsync<ProtocolViolationException>(async () => await handler.ReadAsync(CancellationToken.None));
    }

    [TestMethod]
    public async Task A_response_sent_to_the_broker_is_a_protocol_violation()
    {
        using var pair = await SocketPair.CreateAsync();
        await using var raw = new DescriptorSocketStream(pair.Client, true);
        using var handler = RpcChannel.CreateServerHandler(new DescriptorSocketStream(pair.Server, false), 4096, 4);

        // The broker never asks the client anything, so no result or error from it can be expected.
        await raw.WriteAsync(Frame("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":true}"));

        var ex = await Assert.ThrowsExactlyAsync<ProtocolViolationException>(async () => await handler.ReadAsync(CancellationToken.None));
        StringAssert.Contains(ex.Message, "response");
    }

    [TestMethod]
    public async Task A_message_not_completed_within_the_frame_timeout_is_a_protocol_violation()
    {
        using var pair = await SocketPair.CreateAsync();
        await using var raw = new DescriptorSocketStream(pair.Client, true);
        using var handler = RpcChannel.CreateServerHandler(new DescriptorSocketStream(pair.Server, false), 4096, 4, frameTimeout: TimeSpan.FromSeconds(1));
        var frame = Frame("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"file.stat\",\"params\":[{\"path\":\"/x\"}]}");

        // Half a frame, then nothing: the connection would otherwise stay in a read forever.
        await raw.WriteAsync(frame.AsMemory(0, 10));

        var ex = await Assert.ThrowsExactlyAsync<ProtocolViolationException>(async () => await handler.ReadAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(20)));
        StringAssert.Contains(ex.Message, "not completed within 1 s");
    }

    [TestMethod]
    public async Task A_complete_message_is_read_however_long_the_connection_was_quiet_before_it()
    {
        using var pair = await SocketPair.CreateAsync();
        await using var raw = new DescriptorSocketStream(pair.Client, true);
        using var handler = RpcChannel.CreateServerHandler(new DescriptorSocketStream(pair.Server, false), 4096, 4, frameTimeout: TimeSpan.FromSeconds(1));
        var read = handler.ReadAsync(CancellationToken.None).AsTask();

        // Quiet longer than the frame timeout: the bound starts at a message's first byte, not at the read.
        await Task.Delay(1500);
        await raw.WriteAsync(Frame("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"file.stat\",\"params\":[{\"path\":\"/x\"}]}"));

        var message = await read.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.AreEqual("file.stat", ((JsonRpcRequest)message!).Method);
    }

    private static byte[] Frame(string json)
    {
        byte[] body = Encoding.UTF8.GetBytes(json);
        var frame = new byte[4 + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, body.Length);
        body.CopyTo(frame, 4);
        return frame;
    }
}

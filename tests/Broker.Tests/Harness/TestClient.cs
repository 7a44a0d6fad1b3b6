using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;
using PrivSep.Protocol;
using PrivSep.Protocol.Contracts;
using PrivSep.Protocol.Handshake;
using PrivSep.Protocol.Transport;
using StreamJsonRpc;

namespace PrivSep.Broker.Tests.Harness;

/// <summary>A protocol-level client (no Shim): connects, authenticates and exposes the broker's RPC interface and the descriptors it sends.</summary>
internal sealed class TestClient : IAsyncDisposable
{
    private TestClient(DescriptorSocketStream stream, JsonRpc rpc)
    {
        this.Stream = stream;
        this.Rpc = rpc;
        this.Service = rpc.Attach<IBrokerService>();
    }

    public DescriptorSocketStream Stream { get; }

    public JsonRpc Rpc { get; }

    public IBrokerService Service { get; }

    public static async Task<TestClient> ConnectAsync(string socketPath, string secret)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
        var stream = new DescriptorSocketStream(socket, acceptDescriptors: true);
        try
        {
            await HandshakeClient.AuthenticateAsync(stream, new SharedSecret(System.Text.Encoding.UTF8.GetBytes(secret)), socketPath, TimeSpan.FromSeconds(5));
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }

        var rpc = new JsonRpc(RpcChannel.CreateClientHandler(stream));
        rpc.StartListening();
        return new TestClient(stream, rpc);
    }

    public async Task<SafeFileHandle> OpenAsync(string path, FileMode mode = FileMode.Open, FileAccess access = FileAccess.Read)
    {
        var response = await this.Service.OpenFileAsync(new OpenFileRequest(path, mode, access), CancellationToken.None);
        return this.Stream.Received.Take(response.DescriptorSequence);
    }

    public async Task<string> ReadTextAsync(string path)
    {
        using var stream = new FileStream(await this.OpenAsync(path), FileAccess.Read);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }

    public async Task WriteTextAsync(string path, string text, FileMode mode = FileMode.Create)
    {
        await using var stream = new FileStream(await this.OpenAsync(path, mode, FileAccess.Write), FileAccess.Write);
        await using var writer = new StreamWriter(stream);
        await writer.WriteAsync(text);
    }

    public async ValueTask DisposeAsync()
    {
        this.Rpc.Dispose();
        await this.Stream.DisposeAsync();
    }
}

/// <summary>Asserting on broker errors by their code, as the Shim maps them.</summary>
internal static class BrokerAssert
{
    public static async Task<RemoteInvocationException> FailsWith(BrokerErrorCode code, Func<Task> call)
    {
        try
        {
            await call();
        }
        catch (RemoteInvocationException ex)
        {
            Assert.AreEqual((int)code, ex.ErrorCode, $"expected {code}, got {(BrokerErrorCode)ex.ErrorCode}: {ex.Message}");
            return ex;
        }

        Assert.Fail($"expected the broker to refuse with {code}, but the call succeeded");
        throw new InvalidOperationException();
    }
}

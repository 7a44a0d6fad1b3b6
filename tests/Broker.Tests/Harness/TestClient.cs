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
    private readonly BrokerChannel channel;

    private TestClient(BrokerChannel channel)
    {
        this.channel = channel;
    }

    public DescriptorSocketStream Stream => this.channel.Stream;

    public JsonRpc Rpc => this.channel.Rpc;

    public IBrokerService Service => this.channel.Service;

    public static async Task<TestClient> ConnectAsync(string socketPath, string secret) =>
        new(await BrokerChannel.ConnectAsync(socketPath, new SharedSecret(System.Text.Encoding.UTF8.GetBytes(secret)), TimeSpan.FromSeconds(5)));

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

    public ValueTask DisposeAsync()
    {
        this.channel.Dispose();
        return ValueTask.CompletedTask;
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

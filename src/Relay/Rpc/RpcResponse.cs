using System.Text.Json;

namespace PrivSep.Relay.Rpc;

/// <summary>
/// One answer from the broker: the id of the request it answers and either its result or its error
/// (<c>{"jsonrpc":"2.0","id":N,"result":R}</c> or <c>{"jsonrpc":"2.0","id":N,"error":{"code":C,"message":M,"data":D}}</c>).
/// The broker never sends requests or notifications to a client, so anything else breaks the protocol.
/// </summary>
internal sealed record RpcResponse(long Id, JsonElement Result, RpcErrorException? Error)
{
    /// <exception cref="RpcProtocolException">The message is not valid JSON or not a JSON-RPC 2.0 answer.</exception>
    public static RpcResponse Parse(byte[] message)
    {
        try
        {
            using var document = JsonDocument.Parse(message);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Malformed("it is not a JSON object");
            }

            if (!root.TryGetProperty("jsonrpc"u8, out var version) || version.ValueKind != JsonValueKind.String || !version.ValueEquals("2.0"u8))
            {
                throw Malformed("it is not JSON-RPC 2.0");
            }

            if (!root.TryGetProperty("id"u8, out var idElement) || idElement.ValueKind != JsonValueKind.Number || !idElement.TryGetInt64(out long id))
            {
                throw Malformed("it has no numeric id (the broker sends no requests or notifications)");
            }

            if (root.TryGetProperty("error"u8, out var error))
            {
                return new RpcResponse(id, default, ReadError(error));
            }

            if (root.TryGetProperty("result"u8, out var result))
            {
                // The document's buffers go back to the pool when it is disposed; the result outlives it.
                return new RpcResponse(id, result.Clone(), null);
            }

            throw Malformed("it has neither a result nor an error");
        }
        catch (JsonException ex)
        {
            throw new RpcProtocolException($"an answer is not valid JSON ({ex.Message})", ex);
        }
    }

    private static RpcErrorException ReadError(JsonElement error)
    {
        if (error.ValueKind == JsonValueKind.Object
            && error.TryGetProperty("code"u8, out var code) && code.ValueKind == JsonValueKind.Number && code.TryGetInt32(out _)
            && error.TryGetProperty("message"u8, out var message) && message.ValueKind == JsonValueKind.String)
        {
            return new RpcErrorException(message.GetString()!);
        }

        throw Malformed("its error has no numeric code or no message");
    }

    private static RpcProtocolException Malformed(string why) => new($"an answer is not a JSON-RPC answer: {why}");
}

using PrivSep.Protocol.Contracts;
using StreamJsonRpc;
using StreamJsonRpc.Protocol;

namespace PrivSep.Broker.Service;

/// <summary>
/// StreamJsonRpc sends any exception's message (and type) to the peer by default. The broker sends only what
/// it chose to say: a <see cref="BrokerActionException"/>'s code, message, path and rule; anything else becomes
/// a generic internal error, logged here in full. StreamJsonRpc also answers some requests itself, before any
/// broker code runs (arguments that do not deserialize, a wrong number of them), with texts that name internal
/// types and stack traces: every error leaving the broker passes <see cref="SendAsync"/>, where those are replaced.
/// </summary>
internal sealed class CuratedJsonRpc(IJsonRpcMessageHandler handler) : JsonRpc(handler)
{
    protected override JsonRpcError.ErrorDetail CreateErrorDetails(JsonRpcRequest request, Exception exception) =>
        Curate(request.Method, exception);

    protected override ValueTask SendAsync(JsonRpcMessage message, CancellationToken cancellationToken)
    {
        if (message is JsonRpcError { Error: { } detail } error && !Enum.IsDefined((BrokerErrorCode)detail.Code))
        {
            if (detail.Code != JsonRpcErrorCode.RequestCanceled)
            {
                BrokerLog.Warning($"request {error.RequestId} refused by the JSON-RPC layer ({detail.Code}): {detail.Message}");
            }

            error.Error = CurateProtocolError(detail.Code);
        }

        return base.SendAsync(message, cancellationToken);
    }

    /// <summary>What the client is told when StreamJsonRpc itself refused its message: the code, and words the broker chose.</summary>
    internal static JsonRpcError.ErrorDetail CurateProtocolError(JsonRpcErrorCode code) => code switch
    {
        JsonRpcErrorCode.InvalidParams => new() { Code = code, Message = "The request's arguments do not match the method's parameters; the connection is closed." },
        JsonRpcErrorCode.MethodNotFound => new() { Code = code, Message = "The broker serves no such method; the connection is closed." },
        JsonRpcErrorCode.InvalidRequest or JsonRpcErrorCode.ParseError => new() { Code = code, Message = "The message is not a valid JSON-RPC request; the connection is closed." },
        JsonRpcErrorCode.RequestCanceled => new() { Code = code, Message = "The request was cancelled." },
        _ => new() { Code = (JsonRpcErrorCode)BrokerErrorCode.Internal, Message = "Internal broker error; the broker's log has the details." },
    };

    /// <summary>What the client is told for <paramref name="exception"/>: only what the broker chose to say.</summary>
    internal static JsonRpcError.ErrorDetail Curate(string? method, Exception exception)
    {
        var cause = exception is AggregateException { InnerExceptions.Count: 1 } aggregate ? aggregate.InnerException! : exception;
        if (cause is BrokerActionException known)
        {
            return new JsonRpcError.ErrorDetail
            {
                Code = (JsonRpcErrorCode)known.Code,
                Message = known.Message,
                Data = new BrokerErrorData(known.Path, known.Rule),
            };
        }

        if (cause is OperationCanceledException)
        {
            return new JsonRpcError.ErrorDetail { Code = JsonRpcErrorCode.RequestCanceled, Message = "The request was cancelled." };
        }

        BrokerLog.Error($"unexpected failure in {method}: {cause}");
        return new JsonRpcError.ErrorDetail { Code = (JsonRpcErrorCode)BrokerErrorCode.Internal, Message = "Internal broker error; the broker's log has the details." };
    }
}

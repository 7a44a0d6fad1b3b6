using PrivSep.Protocol.Contracts;
using StreamJsonRpc;
using StreamJsonRpc.Protocol;

namespace PrivSep.Broker.Service;

/// <summary>
/// StreamJsonRpc sends any exception's message (and type) to the peer by default. The broker sends only what
/// it chose to say: a <see cref="BrokerActionException"/>'s code, message, path and rule; anything else becomes
/// a generic internal error, logged here in full.
/// </summary>
internal sealed class CuratedJsonRpc(IJsonRpcMessageHandler handler) : JsonRpc(handler)
{
    protected override JsonRpcError.ErrorDetail CreateErrorDetails(JsonRpcRequest request, Exception exception) =>
        Curate(request.Method, exception);

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

namespace PrivSep.Relay.Rpc;

/// <summary>
/// The broker answered a request with a JSON-RPC error: it understood the request and said no (a policy denial, a
/// failed check, an unknown handle). <see cref="Exception.Message"/> is the broker's own message, which names the cause;
/// what the relay makes of it depends on the request, not on the error's code.
/// </summary>
internal sealed class RpcErrorException(string message) : Exception(message);

namespace PrivSep.Relay.Rpc;

/// <summary>
/// The broker's side of the connection broke the wire protocol: a frame over the size limit, a message that is not a
/// JSON-RPC answer, an answer to a request never sent. Nothing that follows on the connection can be trusted.
/// </summary>
internal sealed class RpcProtocolException(string message, Exception? inner = null) : IOException(message, inner);

using PrivSep.Protocol.Contracts;
using PrivSep.Protocol.Framing;
using PrivSep.Protocol.Transport;
using StreamJsonRpc;

namespace PrivSep.Protocol;

/// <summary>Builds the JSON-RPC plumbing both sides use, so framing and serialization cannot drift apart.</summary>
public static class RpcChannel
{
    /// <summary>StreamJsonRpc's own notification, which a client sends when a caller gives up on a request; the only one.</summary>
    public const string CancelRequestNotification = "$/cancelRequest";

    /// <summary>The agent serves nothing: it only reads the broker's responses.</summary>
    private static readonly InboundMessageRules ClientRules = new(new HashSet<string>(), new HashSet<string>(), AcceptsResponses: true);

    /// <summary>The broker serves the request table, tolerates only cancellation without an id, and never asks the agent anything.</summary>
    private static readonly InboundMessageRules ServerRules = new(
        BrokerMethods.All,
        new HashSet<string>(StringComparer.Ordinal) { CancelRequestNotification },
        AcceptsResponses: false);

    public static SystemTextJsonFormatter CreateFormatter() => new();

    /// <summary>The agent's handler: it serves no methods and accepts messages up to <see cref="ProtocolDefaults.ClientMaxMessageBytes"/>.</summary>
    public static BoundedMessageHandler CreateClientHandler(DescriptorSocketStream stream) =>
        new(stream, CreateFormatter(), ProtocolDefaults.ClientMaxMessageBytes, ClientRules, maxConcurrentRequests: 0);

    /// <summary>The broker's handler: only the request table, bounded size, concurrency and (when given) time to receive one message.</summary>
    public static BoundedMessageHandler CreateServerHandler(DescriptorSocketStream stream, int maxMessageBytes, int maxConcurrentRequests, TimeSpan? frameTimeout = null) =>
        new(stream, CreateFormatter(), maxMessageBytes, ServerRules, maxConcurrentRequests, frameTimeout);
}

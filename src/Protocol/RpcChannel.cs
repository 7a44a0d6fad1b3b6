using PrivSep.Protocol.Contracts;
using PrivSep.Protocol.Framing;
using PrivSep.Protocol.Transport;
using StreamJsonRpc;

namespace PrivSep.Protocol;

/// <summary>Builds the JSON-RPC plumbing both sides use, so framing and serialization cannot drift apart.</summary>
public static class RpcChannel
{
    public static SystemTextJsonFormatter CreateFormatter() => new();

    /// <summary>The agent's handler: it serves no methods and accepts messages up to <see cref="ProtocolDefaults.ClientMaxMessageBytes"/>.</summary>
    public static BoundedMessageHandler CreateClientHandler(DescriptorSocketStream stream) =>
        new(stream, CreateFormatter(), ProtocolDefaults.ClientMaxMessageBytes, allowedMethods: new HashSet<string>(), maxConcurrentRequests: 0);

    /// <summary>The broker's handler: only the request table, bounded size and concurrency.</summary>
    public static BoundedMessageHandler CreateServerHandler(DescriptorSocketStream stream, int maxMessageBytes, int maxConcurrentRequests) =>
        new(stream, CreateFormatter(), maxMessageBytes, ServerAcceptedMethods, maxConcurrentRequests);

    /// <summary>The request table plus StreamJsonRpc's own cancellation notification, which a client sends when a caller gives up.</summary>
    private static readonly IReadOnlySet<string> ServerAcceptedMethods = new HashSet<string>(BrokerMethods.All, StringComparer.Ordinal) { "$/cancelRequest" };
}

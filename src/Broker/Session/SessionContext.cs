using PrivSep.Protocol.Transport;

namespace PrivSep.Broker.Session;

/// <summary>What the broker knows about one authenticated connection: the kernel's word on who it is, and its state.</summary>
internal sealed class SessionContext(PeerCredentials peer, DescriptorSocketStream stream, HandleTable handles, RateLimiter rateLimiter)
{
    public PeerCredentials Peer { get; } = peer;

    public DescriptorSocketStream Stream { get; } = stream;

    public HandleTable Handles { get; } = handles;

    public RateLimiter RateLimiter { get; } = rateLimiter;

    /// <summary>Ends the connection (e.g. its user was removed from the policy by a reload).</summary>
    public Action Terminate { get; set; } = () => { };
}

using System.Runtime.InteropServices;
using PrivSep.Broker.Service;
using PrivSep.Protocol.Contracts;
using PrivSep.Protocol.Transport;

namespace PrivSep.Broker.Session;

/// <summary>What the broker knows about one authenticated connection: the kernel's word on who it is, and its state.</summary>
internal sealed class SessionContext(PeerCredentials peer, DescriptorSocketStream stream, HandleTable handles, RateLimiter rateLimiter)
{
    public PeerCredentials Peer { get; } = peer;

    public DescriptorSocketStream Stream { get; } = stream;

    public HandleTable Handles { get; } = handles;

    public RateLimiter RateLimiter { get; } = rateLimiter;

    /// <summary>
    /// Queues a descriptor to go out with the answer (see <see cref="DescriptorSocketStream.EnqueueDescriptor"/>); a
    /// connection that closed meanwhile is an ordinary end of the request, not a broker failure.
    /// </summary>
    public long SendDescriptor(SafeHandle descriptor)
    {
        try
        {
            return this.Stream.EnqueueDescriptor(descriptor);
        }
        catch (ObjectDisposedException)
        {
            throw new BrokerActionException(BrokerErrorCode.ConnectionClosed, "The connection closed before the answer could be sent.");
        }
    }

    /// <summary>Ends the connection (e.g. its user was removed from the policy by a reload).</summary>
    public Action Terminate { get; set; } = () => { };
}

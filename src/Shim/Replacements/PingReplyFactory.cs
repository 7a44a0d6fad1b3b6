using System.Net;
using System.Net.NetworkInformation;
using System.Runtime.CompilerServices;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Shim.Replacements;

/// <summary>
/// Builds a real <see cref="PingReply"/> from the broker's answer, so plugins get the type (and the
/// <see cref="IPStatus"/>, e.g. TimedOut) they would have got from <see cref="Ping"/> itself.
/// </summary>
internal static class PingReplyFactory
{
    public static PingReply Create(PingResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);

        // The broker always names the address it pinged; IPAddress.Any only stands in should an answer come without one.
        IPAddress address = response.Address is { } text && IPAddress.TryParse(text, out var parsed) ? parsed : IPAddress.Any;
        PingOptions? options = response.ReplyTtl is int ttl ? new PingOptions(ttl, response.ReplyDontFragment) : null;
        return NewPingReply(address, options, response.Status, response.RoundtripTime, response.Buffer ?? []);
    }

    // PingReply's only constructor is internal (System.Net.Ping, .NET 10):
    // PingReply(IPAddress address, PingOptions? options, IPStatus ipStatus, long rtt, byte[] buffer).
    // UnsafeAccessor binds to it once, at JIT time, without reflection on every call.
    [UnsafeAccessor(UnsafeAccessorKind.Constructor)]
    private static extern PingReply NewPingReply(IPAddress address, PingOptions? options, IPStatus ipStatus, long rtt, byte[] buffer);
}

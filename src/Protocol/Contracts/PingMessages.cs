using System.Net.NetworkInformation;

namespace PrivSep.Protocol.Contracts;

/// <param name="Host">A host name or an IP literal; the broker resolves it once and pings the address it checked.</param>
public sealed record PingRequest(
    string Host,
    int TimeoutMilliseconds,
    byte[] Buffer,
    int Ttl,
    bool DontFragment,
    string? Plugin = null);

/// <param name="Address">The address that answered (or was pinged), as text; null when no address was resolved.</param>
public sealed record PingResponse(
    IPStatus Status,
    string? Address,
    long RoundtripTime,
    byte[] Buffer,
    int? ReplyTtl,
    bool ReplyDontFragment);

namespace PrivSep.Broker.Policy;

/// <summary>
/// Resource limits the broker enforces so that one misbehaving agent cannot exhaust it. Every value
/// read from a policy is checked against <see cref="Ranges"/>: a zero or absurd limit is a typo
/// that would either lock every client out or switch the protection off.
/// </summary>
public sealed record PolicyLimits
{
    public int MaxConnections { get; init; } = 16;

    /// <summary>Per connection.</summary>
    public int MaxOpenHandles { get; init; } = 256;

    public int MaxMessageBytes { get; init; } = 1048576;

    /// <summary>Per connection.</summary>
    public int MaxConcurrentRequests { get; init; } = 32;

    /// <summary>Per connection.</summary>
    public int MaxRequestsPerSecond { get; init; } = 5000;

    public int HandshakeTimeoutSeconds { get; init; } = 5;

    public int RequestTimeoutSeconds { get; init; } = 30;

    public int HandleIdleTimeoutSeconds { get; init; } = 300;

    /// <summary>
    /// An authenticated connection with no request in flight and no open handle is closed after this long without a
    /// complete message; when all maxConnections are taken, the one idle longest is closed at once for a newcomer.
    /// </summary>
    public int ConnectionIdleTimeoutSeconds { get; init; } = 60;

    /// <summary>Once the first byte of a message has arrived, the whole message must arrive within this; else the connection ends.</summary>
    public int MessageTimeoutSeconds { get; init; } = 10;

    /// <summary>Brokered commands running at once, over all connections: each is a process and a relay thread.</summary>
    public int MaxRunningCommands { get; init; } = 8;

    /// <summary>
    /// The accepted range of each limit, keyed by its JSON name in the policy's <c>limits</c> object.
    /// Lower bounds keep the broker usable (a message must hold a request); upper bounds keep one
    /// client's share of the broker bounded.
    /// </summary>
    internal static IReadOnlyList<LimitRange> Ranges { get; } =
    [
        new("maxConnections", 1, 4096, (l, v) => l with { MaxConnections = v }),
        new("maxOpenHandles", 1, 65536, (l, v) => l with { MaxOpenHandles = v }),
        new("maxMessageBytes", 4096, 64 * 1024 * 1024, (l, v) => l with { MaxMessageBytes = v }),
        new("maxConcurrentRequests", 1, 1024, (l, v) => l with { MaxConcurrentRequests = v }),
        new("maxRequestsPerSecond", 1, 1_000_000, (l, v) => l with { MaxRequestsPerSecond = v }),
        new("handshakeTimeoutSeconds", 1, 60, (l, v) => l with { HandshakeTimeoutSeconds = v }),
        new("requestTimeoutSeconds", 1, 3600, (l, v) => l with { RequestTimeoutSeconds = v }),
        new("handleIdleTimeoutSeconds", 1, 86400, (l, v) => l with { HandleIdleTimeoutSeconds = v }),
        new("connectionIdleTimeoutSeconds", 1, 86400, (l, v) => l with { ConnectionIdleTimeoutSeconds = v }),
        new("messageTimeoutSeconds", 1, 3600, (l, v) => l with { MessageTimeoutSeconds = v }),
        new("maxRunningCommands", 1, 256, (l, v) => l with { MaxRunningCommands = v }),
    ];

    internal sealed record LimitRange(string JsonName, int Min, int Max, Func<PolicyLimits, int, PolicyLimits> With);
}

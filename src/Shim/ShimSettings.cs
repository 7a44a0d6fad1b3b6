using PrivSep.Protocol;

namespace PrivSep.Shim;

/// <summary>
/// Where the Shim finds the broker and when it uses it. Read once from the environment
/// (<c>PRIVSEP_SOCKET</c>, <c>PRIVSEP_SECRET_FILE</c>, <c>PRIVSEP_ROUTE</c>, <c>PRIVSEP_RELAY</c>); a host may set it in code
/// before loading plugins.
/// </summary>
public sealed record ShimSettings
{
    /// <summary>Where deployments install privsep-relay (an apphost); only the Shim starts it, so the broker need not know.</summary>
    public const string DefaultRelayPath = "/usr/libexec/privsep/privsep-relay";

    public const string RelayEnvironmentVariable = "PRIVSEP_RELAY";

    private static ShimSettings? current;

    public string SocketPath { get; init; } = ProtocolDefaults.SocketPath;

    public string SecretFilePath { get; init; } = ProtocolDefaults.SecretFilePath;

    /// <summary>
    /// The relay the Shim starts in place of a command the broker runs: the <c>privsep-relay</c> executable, or its
    /// <c>privsep-relay.dll</c>, which is then run by the dotnet host.
    /// </summary>
    public string RelayPath { get; init; } = DefaultRelayPath;

    /// <summary>
    /// False (the default, <c>PRIVSEP_ROUTE</c> unset or <c>fallback</c>): try the original BCL call first and ask the broker only when
    /// the kernel refuses for lack of privilege. True (<c>PRIVSEP_ROUTE=broker</c>): every cataloged call goes to the broker.
    /// </summary>
    public bool RouteAllCallsToBroker { get; init; }

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Per-call bound so a wedged broker cannot hang a plugin forever.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public static ShimSettings Current
    {
        get => Volatile.Read(ref current) ?? Interlocked.CompareExchange(ref current, FromEnvironment(), null) ?? current!;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            Volatile.Write(ref current, value);
            Client.BrokerClient.Shared.Reset();
        }
    }

    public static ShimSettings FromEnvironment()
    {
        string? route = Environment.GetEnvironmentVariable(ProtocolDefaults.RouteEnvironmentVariable);
        bool allToBroker = route?.Trim().ToLowerInvariant() switch
        {
            null or "" or "fallback" => false,
            "broker" => true,
            _ => throw new InvalidOperationException($"{ProtocolDefaults.RouteEnvironmentVariable}='{route}' is not understood: use 'broker' (every cataloged call goes to the broker) or 'fallback' (the default)."),
        };

        return new ShimSettings
        {
            SocketPath = NonEmpty(Environment.GetEnvironmentVariable(ProtocolDefaults.SocketEnvironmentVariable)) ?? ProtocolDefaults.SocketPath,
            SecretFilePath = NonEmpty(Environment.GetEnvironmentVariable(ProtocolDefaults.SecretFileEnvironmentVariable)) ?? ProtocolDefaults.SecretFilePath,
            RouteAllCallsToBroker = allToBroker,
            RelayPath = NonEmpty(Environment.GetEnvironmentVariable(RelayEnvironmentVariable)) ?? DefaultRelayPath,
        };
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}

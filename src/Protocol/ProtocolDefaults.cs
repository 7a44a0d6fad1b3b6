namespace PrivSep.Protocol;

/// <summary>Defaults and environment variable names shared by the broker and the Shim, so both sides agree without configuration.</summary>
public static class ProtocolDefaults
{
    public const string SocketPath = "/run/privsep/broker.sock";
    public const string SecretFilePath = "/etc/privsep/agent.secret";
    public const string AuditLogPath = "/var/log/privsep/audit.jsonl";

    public const string SocketEnvironmentVariable = "PRIVSEP_SOCKET";
    public const string SecretFileEnvironmentVariable = "PRIVSEP_SECRET_FILE";
    public const string RouteEnvironmentVariable = "PRIVSEP_ROUTE";

    /// <summary>Set by the Shim for privsep-relay: the pid of the agent that started it (the relay exits if its parent is another).</summary>
    public const string RelayParentEnvironmentVariable = "PRIVSEP_RELAY_PARENT";

    /// <summary>Upper bound on one JSON-RPC message the client accepts; the broker's own limit comes from its policy.</summary>
    public const int ClientMaxMessageBytes = 16 * 1024 * 1024;

    /// <summary>Longest path either side sends: Linux PATH_MAX.</summary>
    public const int MaxPathLength = 4096;

    /// <summary>Longest plugin name the broker records.</summary>
    public const int MaxPluginNameLength = 256;
}

using PrivSep.Broker.Audit;
using PrivSep.Protocol;

namespace PrivSep.Broker.Hosting;

public sealed record BrokerOptions
{
    public required string PolicyPath { get; init; }

    public string SocketPath { get; init; } = ProtocolDefaults.SocketPath;

    public string SecretFilePath { get; init; } = ProtocolDefaults.SecretFilePath;

    public string AuditLogPath { get; init; } = ProtocolDefaults.AuditLogPath;

    /// <summary>Rotation and retention of the audit log (--audit-max-bytes, --audit-keep-files).</summary>
    public AuditLogOptions Audit { get; init; } = new();
}

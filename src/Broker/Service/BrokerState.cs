using PrivSep.Broker.Audit;
using PrivSep.Broker.Policy;
using PrivSep.Protocol.Handshake;

namespace PrivSep.Broker.Service;

/// <summary>What every connection shares: the current policy (swapped whole on SIGHUP), the audit log and the secret.</summary>
internal sealed class BrokerState(BrokerPolicy policy, AuditLog audit, SharedSecret secret)
{
    private BrokerPolicy policy = policy;

    public BrokerPolicy Policy => Volatile.Read(ref this.policy);

    public AuditLog Audit { get; } = audit;

    public SharedSecret Secret { get; } = secret;

    /// <summary>Brokered commands running now, over all connections (limits.maxRunningCommands).</summary>
    public Exec.CommandSlots Commands { get; } = new();

    /// <summary>The cgroup every command joins, or null without one; set once, before the first connection.</summary>
    public Exec.CommandCgroup? CommandCgroup { get; set; }

    public void ReplacePolicy(BrokerPolicy replacement) => Volatile.Write(ref this.policy, replacement);
}

namespace PrivSep.Broker.Policy;

/// <summary>
/// The outcome of one policy check. <see cref="Rule"/> names what decided, for the audit log and
/// for the denial message the client sees, e.g. <c>files.deny[0] "/etc/shadow"</c> or
/// <c>default deny (no files.read rule matches)</c>.
/// </summary>
public readonly record struct PolicyDecision(bool Allowed, string Rule)
{
    internal static PolicyDecision Allow(string rule) => new(true, rule);

    internal static PolicyDecision Deny(string rule) => new(false, rule);
}

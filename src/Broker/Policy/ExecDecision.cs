namespace PrivSep.Broker.Policy;

/// <summary>
/// The outcome of checking one command against the policy's <c>exec</c> rules.
/// <see cref="Rule"/> names what decided, like <see cref="PolicyDecision.Rule"/>, e.g.
/// <c>exec[0] "/usr/sbin/smartctl -a /dev/sd?"</c> or <c>default deny (no exec rule names /usr/bin/cat)</c>.
/// <see cref="Matched"/> is the rule that allowed it (its user, limits and hash apply), null when denied.
/// <see cref="PathNamed"/> says whether any rule names the path at all: the Shim starts a command no
/// rule names unprivileged, as before, but refuses one whose path a rule names and whose arguments
/// match no rule; such a command is never run unprivileged instead.
/// </summary>
public readonly record struct ExecDecision(bool Allowed, string Rule, ExecRule? Matched, bool PathNamed)
{
    /// <summary>The decision as a <see cref="PolicyDecision"/>, for code that audits every action the same way.</summary>
    public PolicyDecision ToPolicyDecision() => new(Allowed, Rule);
}

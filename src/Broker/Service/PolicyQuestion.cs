using System.Net;
using PrivSep.Broker.Policy;

namespace PrivSep.Broker.Service;

internal enum AccessKind
{
    Read,
    Write,
    Ping,

    /// <summary>May the broker run this command (exec.start)?</summary>
    Exec,

    /// <summary>Where does this command run (exec.check)? Allowed means "broker" or "unprivileged"; denied means neither.</summary>
    ExecRoute,
}

/// <summary>
/// One thing an action needs the policy to allow, stated on what the broker actually opened or resolved
/// (a resolved path, a checked address) — never on the client's string alone.
/// </summary>
internal sealed record PolicyQuestion(AccessKind Access, string Subject, string? HostName = null, IPAddress? Address = null, IReadOnlyList<string>? Arguments = null)
{
    public static PolicyQuestion Read(string resolvedPath) => new(AccessKind.Read, resolvedPath);

    public static PolicyQuestion Write(string resolvedPath) => new(AccessKind.Write, resolvedPath);

    public static PolicyQuestion Ping(string? hostName, IPAddress address) => new(AccessKind.Ping, address.ToString(), hostName, address);

    public static PolicyQuestion Exec(string path, IReadOnlyList<string> arguments) => new(AccessKind.Exec, path, Arguments: arguments);

    public static PolicyQuestion ExecRoute(string path, IReadOnlyList<string> arguments) => new(AccessKind.ExecRoute, path, Arguments: arguments);

    /// <summary>The single place a policy decides a request. Write rules imply read of the same paths; deny still wins.</summary>
    public PolicyDecision DecideWith(BrokerPolicy policy)
    {
        switch (this.Access)
        {
            case AccessKind.Read:
                var read = policy.CheckRead(this.Subject);
                if (read.Allowed)
                {
                    return read;
                }

                var write = policy.CheckWrite(this.Subject);
                return write.Allowed ? write : read;
            case AccessKind.Write:
                return policy.CheckWrite(this.Subject);
            case AccessKind.Exec:
                return policy.CheckExec(this.Subject, this.Arguments!).ToPolicyDecision();
            case AccessKind.ExecRoute:
                return DecideRoute(policy, this.Subject, this.Arguments!);
            default:
                return policy.CheckPing(this.HostName, this.Address!);
        }
    }

    /// <summary>
    /// A command runs in the broker when a rule allows it, and unprivileged when no rule names its path. It runs nowhere
    /// when a rule names the path but no rule matches the arguments (never silently unprivileged instead), nor when a
    /// bare name is the file name of a path a rule names: that is a PATH lookup, which the broker never does.
    /// </summary>
    private static PolicyDecision DecideRoute(BrokerPolicy policy, string path, IReadOnlyList<string> arguments)
    {
        var decision = policy.CheckExec(path, arguments);
        if (decision.Allowed || decision.PathNamed)
        {
            return decision.ToPolicyDecision();
        }

        if (!path.Contains('/') && policy.FindExecRuleForFileName(path) is { } named)
        {
            return new PolicyDecision(false, $"exec: '{path}' is a PATH lookup, which the broker never does; {named.RuleName} names the absolute path {named.Path}");
        }

        return new PolicyDecision(true, $"exec: no rule names {path} (runs unprivileged)");
    }
}

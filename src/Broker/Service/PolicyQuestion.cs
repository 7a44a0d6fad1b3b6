using System.Net;
using PrivSep.Broker.Policy;

namespace PrivSep.Broker.Service;

internal enum AccessKind
{
    Read,
    Write,
    Ping,
}

/// <summary>
/// One thing an action needs the policy to allow, stated on what the broker actually opened or resolved
/// (a resolved path, a checked address) — never on the client's string alone.
/// </summary>
internal sealed record PolicyQuestion(AccessKind Access, string Subject, string? HostName = null, IPAddress? Address = null)
{
    public static PolicyQuestion Read(string resolvedPath) => new(AccessKind.Read, resolvedPath);

    public static PolicyQuestion Write(string resolvedPath) => new(AccessKind.Write, resolvedPath);

    public static PolicyQuestion Ping(string? hostName, IPAddress address) => new(AccessKind.Ping, address.ToString(), hostName, address);

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
            default:
                return policy.CheckPing(this.HostName, this.Address!);
        }
    }
}

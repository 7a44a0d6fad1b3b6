using System.Net;

namespace PrivSep.Broker.Policy;

/// <summary>
/// The compiled <c>ping.targets</c>: each entry is either a network (matched against the address
/// the broker resolved and will ping) or a host name pattern (matched against the name the client
/// asked for). The first entry that matches decides, so a decision cites the earliest rule.
/// </summary>
internal sealed class PingTargetSet
{
    private readonly PingTarget[] _targets;

    public PingTargetSet(IReadOnlyList<PingTarget> targets)
    {
        _targets = [.. targets];
        Entries = Array.AsReadOnly(_targets.Select(t => t.Entry).ToArray());
    }

    public IReadOnlyList<string> Entries { get; }

    public string? FindFirstMatch(string? hostName, IPAddress address)
    {
        foreach (var target in _targets)
        {
            var matches = target.Network is { } network
                ? network.Contains(address)
                : target.NamePattern!.IsMatch(hostName);
            if (matches)
            {
                return target.RuleName;
            }
        }

        return null;
    }

    /// <summary>
    /// Parses one entry as written in the policy at position <paramref name="index"/>, or explains
    /// in <paramref name="error"/> why it is refused.
    /// </summary>
    public static bool TryParseTarget(string entry, int index, out PingTarget? target, out string? error)
    {
        target = null;
        var ruleName = $"ping.targets[{index}] \"{entry}\"";
        if (CidrBlock.LooksLikeAddress(entry))
        {
            if (!CidrBlock.TryParse(entry, out var network, out error))
            {
                error = $"invalid network '{entry}' in 'ping.targets[{index}]': {error}";
                return false;
            }

            target = new PingTarget(entry, ruleName, network, null);
            return true;
        }

        if (!HostNamePattern.TryParse(entry, out var pattern, out error))
        {
            error = $"invalid host name pattern '{entry}' in 'ping.targets[{index}]': {error}";
            return false;
        }

        target = new PingTarget(entry, ruleName, null, pattern);
        return true;
    }

    internal sealed record PingTarget(string Entry, string RuleName, CidrBlock? Network, HostNamePattern? NamePattern);
}

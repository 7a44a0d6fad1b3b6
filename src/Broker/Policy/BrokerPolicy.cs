using System.Net;

namespace PrivSep.Broker.Policy;

/// <summary>
/// A loaded, fully validated policy. Immutable, so every request sees one consistent rule set and
/// the broker can swap the whole instance on SIGHUP. Default deny: a file, ping target or command is allowed
/// only when a rule names it, and a <c>files.deny</c> rule beats any read or write rule.
/// Checks are on resolved, normalized absolute paths; anything else is refused, never cleaned up.
/// </summary>
public sealed class BrokerPolicy
{
    private const string DefaultDenyRead = "default deny (no files.read rule matches)";
    private const string DefaultDenyWrite = "default deny (no files.write rule matches)";
    private const string DefaultDenyPing = "default deny (no ping.targets rule matches)";
    private const string NotNormalized = "refused (not a normalized absolute path)";

    private readonly PathGlobSet _read;
    private readonly PathGlobSet _write;
    private readonly PathGlobSet _deny;
    private readonly WriteRootSet _writeRoots;
    private readonly PingTargetSet _ping;
    private readonly ExecRuleSet _exec;

    internal BrokerPolicy(
        string sourceName,
        IReadOnlySet<uint> allowedUids,
        IReadOnlyList<string> agentUsers,
        PolicyLimits limits,
        PathGlobSet read,
        PathGlobSet write,
        PathGlobSet deny,
        WriteRootSet writeRoots,
        PingTargetSet ping,
        ExecRuleSet exec)
    {
        SourceName = sourceName;
        AllowedUids = allowedUids;
        AgentUsers = agentUsers;
        Limits = limits;
        _read = read;
        _write = write;
        _deny = deny;
        _writeRoots = writeRoots;
        _ping = ping;
        _exec = exec;
    }

    /// <summary>The file the policy was loaded from, or the name given to <see cref="Parse"/>.</summary>
    public string SourceName { get; }

    /// <summary>The uids allowed to connect (SO_PEERCRED is checked against these).</summary>
    public IReadOnlySet<uint> AllowedUids { get; }

    /// <summary>The entries of <c>agents.users</c> as written, without duplicates.</summary>
    public IReadOnlyList<string> AgentUsers { get; }

    public PolicyLimits Limits { get; }

    /// <summary>The literal directory prefix of each <c>files.write</c> glob, without duplicates.</summary>
    public IReadOnlyList<string> WriteRoots => _writeRoots.Roots;

    /// <summary>
    /// One warning per write root that is not an existing directory on this machine, naming the first rule that has it.
    /// Not a refusal: a sandbox may be created after the broker starts (requests below it fail clearly until then), but
    /// it is as likely a typo, which the broker says at start, on SIGHUP and in <c>privsep policy check</c>.
    /// </summary>
    public IReadOnlyList<string> MissingWriteRoots()
    {
        var warnings = new List<string>();
        var reported = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < _write.Globs.Count; i++)
        {
            string root = _write.Globs[i].LiteralDirectory;
            if (!Directory.Exists(root) && reported.Add(root))
            {
                warnings.Add($"{_write.RuleName(i)}: the write root '{root}' is not an existing directory, so every write below it fails; create it, or correct the rule.");
            }
        }

        return warnings;
    }

    /// <summary>The <c>files.read</c> globs as written, e.g. for <c>privsep policy check</c>.</summary>
    public IReadOnlyList<string> ReadGlobs => _read.Patterns;

    /// <summary>The <c>files.write</c> globs as written.</summary>
    public IReadOnlyList<string> WriteGlobs => _write.Patterns;

    /// <summary>The <c>files.deny</c> globs as written.</summary>
    public IReadOnlyList<string> DenyGlobs => _deny.Patterns;

    /// <summary>The <c>ping.targets</c> entries as written.</summary>
    public IReadOnlyList<string> PingTargets => _ping.Entries;

    /// <summary>The <c>exec</c> rules in the order written, e.g. for <c>privsep policy check</c>.</summary>
    public IReadOnlyList<ExecRule> ExecRules => _exec.Rules;

    /// <exception cref="PolicyException">The file cannot be read or is not a valid policy.</exception>
    public static BrokerPolicy Load(string path, IUserDirectory users) => PolicyLoader.Load(path, users);

    /// <param name="sourceName">Named in error messages, e.g. the file the text came from.</param>
    /// <exception cref="PolicyException">The text is not a valid policy.</exception>
    public static BrokerPolicy Parse(string json, string sourceName, IUserDirectory users) =>
        PolicyLoader.Parse(json, sourceName, users);

    public PolicyDecision CheckRead(string resolvedPath) => CheckPath(resolvedPath, _read, DefaultDenyRead);

    public PolicyDecision CheckWrite(string resolvedPath) => CheckPath(resolvedPath, _write, DefaultDenyWrite);

    /// <summary>
    /// Splits a path into the longest write root that contains it (segment by segment, so
    /// "/sandbox-evil/x" is not under "/sandbox") and the rest, without a leading '/' ("" for the
    /// root itself). False for a path under no root or not normalized absolute. This says where a
    /// write would be resolved from, not whether it is allowed: that is <see cref="CheckWrite"/>.
    /// </summary>
    public bool TryGetWriteRoot(string normalizedAbsolutePath, out string root, out string relativePath)
    {
        ArgumentNullException.ThrowIfNull(normalizedAbsolutePath);
        return _writeRoots.TryGetRoot(normalizedAbsolutePath, out root, out relativePath);
    }

    /// <param name="hostName">The name as the client gave it, or null when it gave an IP address.</param>
    /// <param name="address">The address the broker resolved and will ping.</param>
    public PolicyDecision CheckPing(string? hostName, IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return _ping.FindFirstMatch(hostName, address) is { } rule
            ? PolicyDecision.Allow(rule)
            : PolicyDecision.Deny(DefaultDenyPing);
    }

    /// <summary>
    /// Decides whether the broker may run <paramref name="path"/> with <paramref name="arguments"/>
    /// (argv[1] onwards, as the child would receive them). The path is compared exactly, as a string,
    /// with each rule's path: the broker runs that very file, so "smartctl" or "/usr/sbin/../sbin/smartctl"
    /// are named by no rule. The first rule naming the path whose patterns match decides; see
    /// <see cref="ExecRule"/> for the matching. <see cref="ExecDecision.PathNamed"/> tells the Shim
    /// whether a refused command may still be started unprivileged (no rule names it) or must be
    /// refused outright (a rule names it).
    /// </summary>
    public ExecDecision CheckExec(string path, IReadOnlyList<string> arguments) => _exec.Check(path, arguments);

    /// <summary>The first exec rule whose path ends in the file name <paramref name="fileName"/>, if any.</summary>
    public ExecRule? FindExecRuleForFileName(string fileName) =>
        _exec.Rules.FirstOrDefault(r => string.Equals(System.IO.Path.GetFileName(r.Path), fileName, StringComparison.Ordinal));

    private PolicyDecision CheckPath(string path, PathGlobSet allowRules, string defaultDeny)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!NormalizedPath.IsNormalizedAbsolute(path))
        {
            return PolicyDecision.Deny(NotNormalized);
        }

        if (_deny.FindFirstMatch(path) is { } denyRule)
        {
            return PolicyDecision.Deny(denyRule);
        }

        return allowRules.FindFirstMatch(path) is { } allowRule
            ? PolicyDecision.Allow(allowRule)
            : PolicyDecision.Deny(defaultDeny);
    }
}

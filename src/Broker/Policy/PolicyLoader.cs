using System.Collections.Frozen;
using System.Globalization;
using System.Text;

namespace PrivSep.Broker.Policy;

/// <summary>
/// Turns policy text into a <see cref="BrokerPolicy"/>, checking everything at load, so that a
/// request never meets a half-valid rule: unknown keys, wrong types, unknown users, bad globs and
/// networks, and limits out of range are all refused with the line, column and a fix.
/// </summary>
internal static class PolicyLoader
{
    /// <summary>A policy is a few kilobytes; a bigger file is a mistake, not a policy.</summary>
    private const int MaxPolicyBytes = 1024 * 1024;

    private const string AgentsExample = "\"agents\": { \"users\": [\"privsep-agent\"] }";

    private static readonly string[] TopLevelKeys = ["version", "agents", "files", "ping", "limits", "exec"];
    private static readonly string[] AgentsKeys = ["users"];
    private static readonly string[] FilesKeys = ["read", "write", "deny"];
    private static readonly string[] PingKeys = ["targets"];
    private static readonly string[] LimitsKeys = [.. PolicyLimits.Ranges.Select(r => r.JsonName)];

    public static BrokerPolicy Load(string path, IUserDirectory users)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] utf8;
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            if (file.Length > MaxPolicyBytes)
            {
                throw new PolicyException($"{path}: the policy file is larger than {MaxPolicyBytes} bytes (is it the right file?)");
            }

            utf8 = new byte[file.Length];
            file.ReadExactly(utf8);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new PolicyException($"{path}: cannot read the policy file: {exception.Message}", exception);
        }

        return Parse(utf8, path, users);
    }

    public static BrokerPolicy Parse(string json, string sourceName, IUserDirectory users)
    {
        ArgumentNullException.ThrowIfNull(json);
        return Parse(Encoding.UTF8.GetBytes(json), sourceName, users);
    }

    private static BrokerPolicy Parse(byte[] utf8, string sourceName, IUserDirectory users)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        ArgumentNullException.ThrowIfNull(users);

        // Editors on some systems write a byte order mark; the JSON reader would reject it.
        if (utf8 is [0xEF, 0xBB, 0xBF, ..])
        {
            utf8 = utf8[3..];
        }

        var source = new PolicySourceText(sourceName, utf8);
        var values = new PolicyValueReader(source);
        var root = PolicyJsonParser.Parse(source);

        var top = root as PolicyJsonObject
            ?? throw values.Error(root.Offset, $"the policy must be a JSON object, found {root.Description} (e.g. {{ \"version\": 1, {AgentsExample} }})");
        values.CheckKeys(top, "at the top level", TopLevelKeys);

        ReadVersion(values, top);
        var (agentUsers, uids) = ReadAgents(values, top, users);
        var (read, write, deny) = ReadFiles(values, top);
        var ping = ReadPing(values, top);
        var limits = ReadLimits(values, top);

        // After the limits: a rule without its own timeout takes limits.requestTimeoutSeconds.
        var exec = ExecRuleReader.Read(values, top, limits, users);

        var writeRoots = new WriteRootSet(write.Globs.Select(g => g.LiteralDirectory));
        return new BrokerPolicy(sourceName, uids, agentUsers, limits, read, write, deny, writeRoots, ping, exec);
    }

    private static void ReadVersion(PolicyValueReader values, PolicyJsonObject top)
    {
        var property = top.Find("version")
            ?? throw values.Error(top.Offset, "missing 'version' (add \"version\": 1 at the top level)");
        var version = values.Integer(property.Value, "version");
        if (version != 1)
        {
            throw values.Error(property.Value.Offset, $"unsupported version {version} (this broker reads version 1; write \"version\": 1)");
        }
    }

    private static (IReadOnlyList<string> Names, IReadOnlySet<uint> Uids) ReadAgents(
        PolicyValueReader values, PolicyJsonObject top, IUserDirectory users)
    {
        var property = top.Find("agents")
            ?? throw values.Error(top.Offset, $"missing 'agents': name the users allowed to connect (add {AgentsExample})");
        var agents = values.Object(property.Value, "agents", $"{{ \"users\": [\"privsep-agent\"] }}");
        values.CheckKeys(agents, "in 'agents'", AgentsKeys);

        var usersProperty = agents.Find("users")
            ?? throw values.Error(agents.Offset, "missing 'agents.users' (add \"users\": [\"privsep-agent\"])");
        var entries = values.StringArray(usersProperty.Value, "agents.users", "[\"privsep-agent\"]");
        if (entries.Count == 0)
        {
            throw values.Error(usersProperty.Value.Offset, "'agents.users' is empty: no agent could connect (name at least one user, e.g. [\"privsep-agent\"])");
        }

        var names = new List<string>();
        var uids = new HashSet<uint>();
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            uids.Add(ResolveUser(values, entry, $"agents.users[{i}]", "agents.users", users));
            if (!names.Contains(entry.Value, StringComparer.Ordinal))
            {
                names.Add(entry.Value);
            }
        }

        return (names.AsReadOnly(), uids.ToFrozenSet());
    }

    /// <summary>A user name looked up in the directory, or "#1001" for a uid that needs no name.</summary>
    /// <param name="name">The entry, e.g. "agents.users[0]" or "exec[2].user".</param>
    /// <param name="section">Where an unknown user was named, e.g. "agents.users".</param>
    internal static uint ResolveUser(PolicyValueReader values, PolicyJsonString entry, string name, string section, IUserDirectory users)
    {
        var text = entry.Value;
        if (text is ['#', ..])
        {
            var digits = text[1..];
            if (digits.Length == 0
                || !digits.All(char.IsAsciiDigit)
                || !uint.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var numericUid)
                || numericUid == uint.MaxValue)
            {
                throw values.Error(entry.Offset, $"'{name}' \"{text}\" is not a valid numeric uid (write '#' and the decimal uid, e.g. \"#1001\")");
            }

            return numericUid;
        }

        // The name goes to the C library as a NUL-terminated string; anything that is not a plain
        // user name is refused here rather than truncated or misread there.
        if (text.Length == 0 || text.Length > 256 || text.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c is ':' or '/'))
        {
            throw values.Error(entry.Offset, $"'{name}' \"{text}\" is not a valid user name (write a user name such as \"privsep-agent\", or a uid such as \"#1001\")");
        }

        bool found;
        uint uid;
        try
        {
            found = users.TryGetUid(text, out uid);
        }
        catch (Exception exception) when (exception is not PolicyException)
        {
            throw values.Error(entry.Offset, $"cannot look up user '{text}': {exception.Message} (check the system's user database / NSS configuration)", exception);
        }

        if (!found)
        {
            throw values.Error(entry.Offset, $"unknown user '{text}' in '{section}' (create the user, e.g. 'useradd --system {text}', or remove it from the policy)");
        }

        return uid;
    }

    private static (PathGlobSet Read, PathGlobSet Write, PathGlobSet Deny) ReadFiles(PolicyValueReader values, PolicyJsonObject top)
    {
        var files = top.Find("files") is { } property
            ? values.Object(property.Value, "files", "{ \"read\": [\"/var/log/**\"] }")
            : null;
        if (files is not null)
        {
            values.CheckKeys(files, "in 'files'", FilesKeys);
        }

        return (
            ReadGlobs(values, files, "read", requireWriteRoot: false),
            ReadGlobs(values, files, "write", requireWriteRoot: true),
            ReadGlobs(values, files, "deny", requireWriteRoot: false));
    }

    private static PathGlobSet ReadGlobs(PolicyValueReader values, PolicyJsonObject? files, string key, bool requireWriteRoot)
    {
        var section = $"files.{key}";
        var globs = new List<PathGlob>();
        if (files?.Find(key) is { } property)
        {
            var entries = values.StringArray(property.Value, section, "[\"/var/log/**\"]");
            for (var i = 0; i < entries.Count; i++)
            {
                var entry = entries[i];
                if (!PathGlob.TryParse(entry.Value, out var glob, out var error))
                {
                    throw values.Error(entry.Offset, $"invalid glob \"{entry.Value}\" in '{section}[{i}]': {error}");
                }

                // Writes are confined beneath the glob's literal directory; with none, that would be "/".
                if (requireWriteRoot && glob!.LiteralDirectorySegmentCount == 0)
                {
                    throw values.Error(entry.Offset, $"write glob \"{entry.Value}\" in '{section}[{i}]' has no literal directory prefix: it would make the whole disk writable (name a directory, e.g. \"/var/lib/privsep/sandbox/**\")");
                }

                globs.Add(glob!);
            }
        }

        return new PathGlobSet(section, globs);
    }

    private static PingTargetSet ReadPing(PolicyValueReader values, PolicyJsonObject top)
    {
        var targets = new List<PingTargetSet.PingTarget>();
        if (top.Find("ping") is { } property)
        {
            var ping = values.Object(property.Value, "ping", "{ \"targets\": [\"127.0.0.0/8\"] }");
            values.CheckKeys(ping, "in 'ping'", PingKeys);
            if (ping.Find("targets") is { } targetsProperty)
            {
                var entries = values.StringArray(targetsProperty.Value, "ping.targets", "[\"127.0.0.0/8\", \"db*.example.com\"]");
                for (var i = 0; i < entries.Count; i++)
                {
                    if (!PingTargetSet.TryParseTarget(entries[i].Value, i, out var target, out var error))
                    {
                        throw values.Error(entries[i].Offset, error!);
                    }

                    targets.Add(target!);
                }
            }
        }

        return new PingTargetSet(targets);
    }

    private static PolicyLimits ReadLimits(PolicyValueReader values, PolicyJsonObject top)
    {
        var limits = new PolicyLimits();
        if (top.Find("limits") is not { } property)
        {
            return limits;
        }

        var obj = values.Object(property.Value, "limits", "{ \"maxConnections\": 16 }");
        values.CheckKeys(obj, "in 'limits'", LimitsKeys);
        foreach (var limit in obj.Properties)
        {
            var range = PolicyLimits.Ranges.First(r => r.JsonName == limit.Name);
            var name = $"limits.{limit.Name}";
            var value = values.Integer(limit.Value, name);
            if (value < range.Min || value > range.Max)
            {
                throw values.Error(limit.Value.Offset, $"'{name}' is {value}, out of range (use a value from {range.Min} to {range.Max})");
            }

            limits = range.With(limits, (int)value);
        }

        return limits;
    }
}

using System.Globalization;

namespace PrivSep.Broker.Policy;

/// <summary>
/// Reads the policy's <c>exec</c> section into <see cref="ExecRule"/>s, refusing at load every entry
/// the broker could not run exactly as written: a path that is not absolute and normalized (the
/// broker never searches <c>PATH</c>), a wildcard in the path, <c>**</c> in an argument, a malformed
/// hash, an unknown user, limits out of range, unknown keys. Each error names <c>exec[i]</c>.
/// </summary>
internal static class ExecRuleReader
{
    public const int MinTimeoutSeconds = 1;
    public const int MaxTimeoutSeconds = 3600;
    public const long MinOutputBytes = 1;
    public const long MaxOutputBytesLimit = 1024L * 1024 * 1024;
    public const long DefaultMaxOutputBytes = 16L * 1024 * 1024;
    public const string DefaultUser = "root";

    private const string RuleExample = "{ \"path\": \"/usr/sbin/smartctl\", \"args\": [\"-a\", \"/dev/sd?\"] }";

    private static readonly string[] RuleKeys = ["path", "args", "sha256", "timeoutSeconds", "user", "maxOutputBytes", "variadic"];

    public static ExecRuleSet Read(PolicyValueReader values, PolicyJsonObject top, PolicyLimits limits, IUserDirectory users)
    {
        var rules = new List<ExecRule>();
        if (top.Find("exec") is { } property)
        {
            var array = values.Array(property.Value, "exec", $"[{RuleExample}]");
            for (var i = 0; i < array.Items.Count; i++)
            {
                rules.Add(ReadRule(values, array.Items[i], i, limits, users));
            }
        }

        return new ExecRuleSet(rules);
    }

    private static ExecRule ReadRule(PolicyValueReader values, PolicyJsonNode node, int index, PolicyLimits limits, IUserDirectory users)
    {
        var name = $"exec[{index}]";
        var rule = values.Object(node, name, RuleExample);
        values.CheckKeys(rule, $"in '{name}'", RuleKeys);

        var pathProperty = rule.Find("path")
            ?? throw values.Error(rule.Offset, $"missing '{name}.path' (name the file to run by its absolute path, e.g. \"path\": \"/usr/sbin/smartctl\")");
        var path = values.String(pathProperty.Value, $"{name}.path", "\"/usr/sbin/smartctl\"");
        if (ValidatePath(path.Value) is { } pathError)
        {
            throw values.Error(path.Offset, $"'{name}.path' \"{path.Value}\" {pathError}");
        }

        var argsProperty = rule.Find("args")
            ?? throw values.Error(rule.Offset, $"missing '{name}.args' (list one pattern per argument, e.g. \"args\": [\"-a\", \"/dev/sd?\"]; write [] for a command run without arguments)");
        var patterns = values.StringArray(argsProperty.Value, $"{name}.args", "[\"-a\", \"/dev/sd?\"]");
        for (var i = 0; i < patterns.Count; i++)
        {
            if (ArgumentGlob.Validate(patterns[i].Value) is { } patternError)
            {
                throw values.Error(patterns[i].Offset, $"invalid argument pattern \"{patterns[i].Value}\" in '{name}.args[{i}]': {patternError}");
            }
        }

        var variadic = false;
        if (rule.Find("variadic") is { } variadicProperty)
        {
            variadic = values.Boolean(variadicProperty.Value, $"{name}.variadic");
            if (variadic && patterns.Count == 0)
            {
                throw values.Error(variadicProperty.Value.Offset, $"'{name}.variadic' needs at least one pattern in '{name}.args' (the last pattern is the one that repeats)");
            }
        }

        string? sha256 = null;
        if (rule.Find("sha256") is { } shaProperty)
        {
            var text = values.String(shaProperty.Value, $"{name}.sha256", "\"<64 hex digits from sha256sum>\"");
            if (text.Value.Length != 64 || !text.Value.All(char.IsAsciiHexDigit))
            {
                throw values.Error(text.Offset, $"'{name}.sha256' is not a SHA-256 (write the 64 hex digits that 'sha256sum {path.Value}' prints)");
            }

            sha256 = text.Value.ToLowerInvariant();
        }

        var timeoutSeconds = rule.Find("timeoutSeconds") is { } timeoutProperty
            ? (int)ReadInRange(values, timeoutProperty.Value, $"{name}.timeoutSeconds", MinTimeoutSeconds, MaxTimeoutSeconds)
            : limits.RequestTimeoutSeconds;

        var maxOutputBytes = rule.Find("maxOutputBytes") is { } outputProperty
            ? ReadInRange(values, outputProperty.Value, $"{name}.maxOutputBytes", MinOutputBytes, MaxOutputBytesLimit)
            : DefaultMaxOutputBytes;

        var user = DefaultUser;
        uint uid = 0;
        if (rule.Find("user") is { } userProperty)
        {
            var entry = values.String(userProperty.Value, $"{name}.user", "\"root\"");
            uid = PolicyLoader.ResolveUser(values, entry, $"{name}.user", $"{name}.user", users);
            user = entry.Value;
        }

        return new ExecRule(index, path.Value, [.. patterns.Select(p => p.Value)], variadic, sha256, timeoutSeconds, user, uid, maxOutputBytes);
    }

    /// <summary>Why <paramref name="path"/> cannot name a file to run, or null when it can.</summary>
    private static string? ValidatePath(string path)
    {
        if (path.Length == 0)
        {
            return "is empty (write the absolute path of the file to run, e.g. \"/usr/sbin/smartctl\")";
        }

        if (path[0] != '/')
        {
            return path.Contains('/')
                ? "is not absolute (start it with '/': the broker runs exactly the file named, from '/')"
                : $"is not an absolute path: the broker never searches PATH (write the full path, e.g. the one 'command -v {path}' prints)";
        }

        var wildcard = path.IndexOfAny(['*', '?', '[', ']', '{', '}']);
        if (wildcard >= 0)
        {
            return $"contains the wildcard '{path[wildcard]}' (a path names exactly one file; write one rule per file)";
        }

        if (!NormalizedPath.IsNormalizedAbsolute(path))
        {
            return "is not a normalized absolute path (no \"//\", \".\" or \"..\" segment, no trailing '/', no NUL)";
        }

        if (path == "/")
        {
            return "names the root directory, not a file";
        }

        return null;
    }

    private static long ReadInRange(PolicyValueReader values, PolicyJsonNode node, string name, long min, long max)
    {
        var value = values.Integer(node, name);
        if (value < min || value > max)
        {
            throw values.Error(node.Offset, string.Create(CultureInfo.InvariantCulture, $"'{name}' is {value}, out of range (use a value from {min} to {max})"));
        }

        return value;
    }
}

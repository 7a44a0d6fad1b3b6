using System.Collections.Frozen;

namespace PrivSep.Broker.Policy;

/// <summary>
/// The compiled <c>exec</c> section: the rules in the order written, and for each path the rules
/// that name it, so a check is one dictionary lookup and a walk over that path's few rules. The
/// first rule that matches decides. Rule texts, including the denial for each named path, are built
/// at load so that deciding a named path allocates nothing.
/// </summary>
internal sealed class ExecRuleSet
{
    private const string NotAbsolute = "refused (not a normalized absolute path: the broker runs exactly the file a rule names, never a PATH lookup)";
    private const string NulArgument = "refused (an argument contains a NUL character, which no rule matches)";
    private const string NullArgument = "refused (an argument is null)";

    private readonly FrozenDictionary<string, ExecRule[]> _byPath;

    /// <summary>For each rule, the denial that cites it as the closest rule for its path.</summary>
    private readonly string[] _closestDenials;

    public ExecRuleSet(IReadOnlyList<ExecRule> rules)
    {
        Rules = Array.AsReadOnly(rules.ToArray());
        _byPath = rules
            .GroupBy(r => r.Path, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
        _closestDenials = [.. rules.Select(r => $"exec: arguments match no rule for {r.Path} (closest: {r.RuleName})")];
    }

    public IReadOnlyList<ExecRule> Rules { get; }

    public ExecDecision Check(string path, IReadOnlyList<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(arguments);

        if (!_byPath.TryGetValue(path, out var candidates))
        {
            // Rules only ever name normalized absolute paths, so anything else is named by none.
            var reason = NormalizedPath.IsNormalizedAbsolute(path)
                ? $"default deny (no exec rule names {path})"
                : NotAbsolute;
            return new ExecDecision(false, reason, null, PathNamed: false);
        }

        for (var i = 0; i < arguments.Count; i++)
        {
            // Fail closed: a null argument or one the kernel would cut at a NUL is never matched.
            if (arguments[i] is not { } argument)
            {
                return new ExecDecision(false, NullArgument, null, PathNamed: true);
            }

            if (argument.Contains('\0'))
            {
                return new ExecDecision(false, NulArgument, null, PathNamed: true);
            }

            // Every pattern refuses it too (ArgumentGlob); said here so the denial names the cause, not a closest rule.
            if (ArgumentPathForm.HasParentSegment(argument))
            {
                return new ExecDecision(false, $"exec: argv[{i + 1}] has a '..' segment, which no argument pattern matches (name the file by its path without '..')", null, PathNamed: true);
            }
        }

        var closest = candidates[0];
        var closestLength = -1;
        foreach (var rule in candidates)
        {
            if (rule.Matches(arguments))
            {
                return new ExecDecision(true, rule.RuleName, rule, PathNamed: true);
            }

            // The rule whose patterns accept the longest run of leading arguments; the earliest on a tie.
            var length = rule.MatchingPrefixLength(arguments);
            if (length > closestLength)
            {
                closest = rule;
                closestLength = length;
            }
        }

        return new ExecDecision(false, _closestDenials[closest.Index], null, PathNamed: true);
    }
}

using System.Text;

namespace PrivSep.Broker.Policy;

/// <summary>
/// One entry of the policy's <c>exec</c> section: a command the broker may run on an agent's behalf.
/// <para>
/// <see cref="Path"/> is the exact file the broker runs (absolute, normalized, no wildcard; never a
/// <c>PATH</c> lookup). The argument vector (without argv[0]) is matched <b>position by position</b>:
/// argument <c>i</c> against pattern <c>i</c>, each an <see cref="ArgumentGlob"/> over the whole argument,
/// where <c>*</c> matches any run of characters (including none, and including '/' and spaces) and
/// <c>?</c> exactly one character; everything else matches itself (there is no escape, no character
/// class: '[' and ']' are literal). An argument is also read as a path: one with a <c>..</c> segment is
/// never matched, and a match must hold without <c>.</c> segments and repeated '/' (see
/// <see cref="ArgumentPathForm"/>), so that the literal directory of a pattern confines like a path.
/// </para>
/// <para>
/// Count: without <see cref="Variadic"/> the number of arguments must equal the number of patterns.
/// With <see cref="Variadic"/> the patterns before the last match the first arguments exactly as
/// above, and the last pattern must match <b>every</b> remaining argument, of which there must be
/// <b>at least one</b>: for patterns <c>[p0 … pn]</c> the arguments are <c>a0 … am</c> with
/// <c>m ≥ n</c>, <c>ai ~ pi</c> for <c>i &lt; n</c> and <c>aj ~ pn</c> for every <c>j ≥ n</c>. Zero
/// repetitions are deliberately not allowed (a command with its file operand left out often reads
/// something else, e.g. standard input or a default): write a second rule without the last pattern
/// if that is wanted. A variadic rule therefore needs at least one pattern.
/// </para>
/// <para>
/// Arguments containing NUL are never matched (the kernel would cut them there, so what ran would
/// differ from what was checked).
/// </para>
/// </summary>
public sealed class ExecRule
{
    private readonly string[] _patterns;
    private readonly ArgumentGlob[] _globs;

    internal ExecRule(
        int index,
        string path,
        IReadOnlyList<string> argumentPatterns,
        bool variadic,
        string? sha256,
        int timeoutSeconds,
        string user,
        uint uid,
        long maxOutputBytes)
    {
        Index = index;
        Path = path;
        _patterns = [.. argumentPatterns];
        _globs = [.. _patterns.Select(p => new ArgumentGlob(p))];
        ArgumentPatterns = Array.AsReadOnly(_patterns);
        Variadic = variadic;
        Sha256 = sha256;
        TimeoutSeconds = timeoutSeconds;
        User = user;
        Uid = uid;
        MaxOutputBytes = maxOutputBytes;
        Command = FormatCommand(path, _patterns);
        RuleName = $"exec[{index}] \"{Command}\"" + (variadic ? " (variadic)" : string.Empty);
    }

    /// <summary>Position of the rule in the policy's <c>exec</c> array.</summary>
    public int Index { get; }

    /// <summary>The absolute, normalized path of the file to run.</summary>
    public string Path { get; }

    /// <summary>The argument patterns as written, argv[1] onwards.</summary>
    public IReadOnlyList<string> ArgumentPatterns { get; }

    /// <summary>Whether the last pattern also matches every further argument (at least one); see the class remarks.</summary>
    public bool Variadic { get; }

    /// <summary>The expected SHA-256 of the file, lowercase hex, or null when the policy gives none.</summary>
    public string? Sha256 { get; }

    /// <summary>Wall-clock limit for the whole command, after which its process group is killed.</summary>
    public int TimeoutSeconds { get; }

    /// <summary>The user to run as, as written (or "root" by default).</summary>
    public string User { get; }

    /// <summary>The uid of <see cref="User"/>, resolved when the policy was loaded.</summary>
    public uint Uid { get; }

    /// <summary>Limit on the bytes of output (stdout and stderr together) the command may produce.</summary>
    public long MaxOutputBytes { get; }

    /// <summary>The path and the argument patterns as one display string, e.g. <c>/usr/sbin/smartctl -a /dev/sd?</c>.</summary>
    public string Command { get; }

    /// <summary>The text a decision cites, e.g. <c>exec[0] "/usr/sbin/smartctl -a /dev/sd?"</c>.</summary>
    public string RuleName { get; }

    public override string ToString() => RuleName;

    /// <summary>
    /// True when <paramref name="arguments"/> (argv[1] onwards) match this rule's patterns by the
    /// rule in the class remarks. The caller has checked that no argument is null or contains NUL.
    /// </summary>
    internal bool Matches(IReadOnlyList<string> arguments) =>
        CountFits(arguments.Count) && MatchingPrefixLength(arguments) == arguments.Count;

    private bool CountFits(int count) => Variadic ? count >= _patterns.Length : count == _patterns.Length;

    /// <summary>
    /// How many leading arguments match their positions' patterns (the last pattern standing for
    /// every position past it when the rule is variadic): a measure of how close a refused command
    /// came to this rule, for the denial message.
    /// </summary>
    internal int MatchingPrefixLength(IReadOnlyList<string> arguments)
    {
        var matched = 0;
        for (; matched < arguments.Count; matched++)
        {
            ArgumentGlob glob;
            if (matched < _globs.Length)
            {
                glob = _globs[matched];
            }
            else if (Variadic)
            {
                glob = _globs[^1];
            }
            else
            {
                break;
            }

            if (!glob.IsMatch(arguments[matched]))
            {
                break;
            }
        }

        return matched;
    }

    /// <summary>
    /// A command line for people to read: the path and arguments separated by spaces, an argument
    /// that is empty or holds whitespace, quotes, a backslash or a control character written in
    /// single quotes (with <c>'</c> as <c>'\''</c> and control characters as <c>\xNN</c>), so that
    /// argument boundaries stay visible.
    /// </summary>
    internal static string FormatCommand(string path, IReadOnlyList<string> arguments)
    {
        var text = new StringBuilder(FormatArgument(path));
        foreach (var argument in arguments)
        {
            text.Append(' ').Append(FormatArgument(argument));
        }

        return text.ToString();
    }

    private static string FormatArgument(string argument)
    {
        if (argument.Length > 0 && !argument.Any(NeedsQuoting))
        {
            return argument;
        }

        var text = new StringBuilder("'");
        foreach (var c in argument)
        {
            if (c == '\'')
            {
                text.Append("'\\''");
            }
            else if (char.IsControl(c))
            {
                text.Append($"\\x{(int)c:x2}");
            }
            else
            {
                text.Append(c);
            }
        }

        return text.Append('\'').ToString();
    }

    private static bool NeedsQuoting(char c) => char.IsWhiteSpace(c) || char.IsControl(c) || c is '\'' or '"' or '\\';
}

namespace PrivSep.Protocol.Contracts;

/// <summary>
/// A command as the plugin asked for it: the file to run and its argument vector after argv[0]. The broker runs
/// exactly <paramref name="Path"/> (absolute; never a PATH lookup) with exactly these arguments, or nothing.
/// </summary>
public sealed record ExecRequest(string Path, IReadOnlyList<string> Arguments, string? Plugin = null);

/// <summary>Where a command the plugin starts runs.</summary>
public enum ExecRoute
{
    /// <summary>No exec rule names the path: the Shim starts it unprivileged, as the BCL would.</summary>
    Local = 0,

    /// <summary>A rule allows the path and arguments: the broker runs it (exec.start).</summary>
    Broker = 1,
}

/// <summary>The answer to exec.check. A named path whose arguments match no rule is not an answer but a PolicyDenied error.</summary>
/// <param name="Rule">The rule that decided, e.g. <c>exec[0] "/usr/sbin/smartctl -a /dev/sd?"</c>.</param>
public sealed record ExecCheckResponse(ExecRoute Route, string Rule);

/// <summary>
/// A started command. Its stdio are pipes whose client ends travel back as SCM_RIGHTS, named by their sequence on
/// this connection like <see cref="OpenFileResponse.DescriptorSequence"/>: the client writes the command's stdin
/// and reads its stdout and stderr (the broker relays both, counting and capping the bytes). The command belongs
/// to this connection: closing <paramref name="Handle"/> or the connection kills its whole process group.
/// </summary>
public sealed record ExecStartResponse(long Handle, int Pid, long StdinDescriptor, long StdoutDescriptor, long StderrDescriptor);

/// <param name="TimeoutMilliseconds">How long to wait for the exit before answering <c>Exited = false</c> (1 .. <see cref="ExecLimits.MaxWaitMilliseconds"/>).</param>
public sealed record ExecWaitRequest(long Handle, int TimeoutMilliseconds);

/// <summary>
/// The end of a command, once it exited and its output was relayed to the end (or cut at the policy's cap).
/// <paramref name="ExitCode"/> is the exit status, or 128 + the signal number when a signal ended it (as
/// <c>Process.ExitCode</c> reports for a local child); <paramref name="Signal"/> is that signal, 0 for a normal exit.
/// </summary>
public sealed record ExecWaitResponse(
    bool Exited,
    int ExitCode,
    int Signal,
    bool TimedOut,
    bool OutputLimitReached,
    long StdoutBytes,
    long StderrBytes,
    long DurationMilliseconds);

/// <summary>Sends a signal to the command's whole process group. Only <see cref="ExecLimits.ForwardableSignals"/> are accepted.</summary>
public sealed record ExecSignalRequest(long Handle, int Signal);

public static class ExecLimits
{
    /// <summary>Longest single exec.wait; well under the broker's default request timeout, so a wait is never cut as a timeout.</summary>
    public const int MaxWaitMilliseconds = 10_000;

    /// <summary>Most arguments a request may carry.</summary>
    public const int MaxArguments = 1024;

    /// <summary>Longest single argument (Linux MAX_ARG_STRLEN).</summary>
    public const int MaxArgumentLength = 131072;

    /// <summary>SIGHUP, SIGINT, SIGQUIT, SIGKILL, SIGTERM: what a terminal or a process manager sends to end a command.</summary>
    public static readonly IReadOnlySet<int> ForwardableSignals = new HashSet<int> { 1, 2, 3, 9, 15 };
}

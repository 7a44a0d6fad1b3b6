namespace MonitoringAgent.Contracts;

/// <summary>
/// A monitoring plugin. The agent creates one instance per plugin type and calls <see cref="RunChecks"/> once per round,
/// so a plugin may keep state (an open file, a position) between rounds.
/// </summary>
public interface IMonitoringPlugin
{
    /// <summary>A short name, shown in the agent's output and in the broker's audit log.</summary>
    string Name { get; }

    /// <summary>Runs this round's checks. A failed check is a result with <see cref="CheckResult.Ok"/> false, not an exception.</summary>
    IEnumerable<CheckResult> RunChecks();
}

/// <summary>One attempted action and how it went.</summary>
/// <param name="Action">What was attempted, e.g. <c>ping 127.0.0.1</c> or <c>read /var/log/auth.log</c>.</param>
/// <param name="Ok">True when the action succeeded.</param>
/// <param name="Detail">What came of it (a value, a count), or a short description of the failure.</param>
/// <param name="ErrorType">The failure's exception type name (or an errno name such as <c>EPERM</c> for a native call); null on success.</param>
/// <param name="ErrorMessage">The failure's message; null on success.</param>
public sealed record CheckResult(string Action, bool Ok, string Detail, string? ErrorType = null, string? ErrorMessage = null)
{
    public static CheckResult Success(string action, string detail) => new(action, true, detail);

    /// <summary>A failure from an exception; a <see cref="System.Reflection.TargetInvocationException"/> is unwrapped.</summary>
    public static CheckResult Failure(string action, Exception exception)
    {
        while (exception is System.Reflection.TargetInvocationException { InnerException: { } inner })
        {
            exception = inner;
        }

        return new(action, false, exception.GetType().Name, exception.GetType().Name, exception.Message);
    }
}

/// <summary>Where the host being monitored is: <c>MONITOR_HOST_ROOT</c> (default <c>/</c>) prefixes every path a plugin uses.</summary>
public static class HostPaths
{
    public static string Root => Environment.GetEnvironmentVariable("MONITOR_HOST_ROOT") is { Length: > 0 } root ? root : "/";

    /// <summary><paramref name="absolutePath"/> (e.g. <c>/var/log/auth.log</c>) on the monitored host.</summary>
    public static string Of(string absolutePath) => Path.Combine(Root, absolutePath.TrimStart('/'));
}

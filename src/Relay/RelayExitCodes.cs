namespace PrivSep.Relay;

/// <summary>
/// The relay's own exit codes. Otherwise it exits with the command's exit code (128 + the signal when a signal ended
/// it), so <c>Process.ExitCode</c> of the relay is the command's. 125 and 126 follow the convention of
/// <c>env</c>, <c>nohup</c> and <c>timeout</c>: 125 the wrapper itself failed, 126 the command could not be run.
/// </summary>
internal static class RelayExitCodes
{
    public const int Help = 0;

    /// <summary>The relay itself failed: bad command line, broker not reachable, bad secret, connection lost.</summary>
    public const int RelayFailed = 125;

    /// <summary>The broker refused the command (policy, binary check) or could not start it.</summary>
    public const int CommandRefused = 126;
}

namespace PrivSep.Cli;

/// <summary>The exit codes of every privsep command.</summary>
internal static class ExitCodes
{
    /// <summary>Done; valid; allowed.</summary>
    public const int Success = 0;

    /// <summary>Findings: error diagnostics, verification failed, denied.</summary>
    public const int Findings = 1;

    /// <summary>Usage or input error: bad arguments, missing folder or file, unreadable key or policy.</summary>
    public const int UsageError = 2;
}

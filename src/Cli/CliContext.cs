namespace PrivSep.Cli;

/// <summary>What every command writes to and rewrites with; tests pass their own writers and engine.</summary>
internal sealed record CliContext(TextWriter Out, TextWriter Error, IRewriteEngine Engine)
{
    /// <summary>An error for the person at the terminal: names the command, the file and the fix.</summary>
    public int Fail(string command, string message, int exitCode = ExitCodes.UsageError)
    {
        this.Error.WriteLine($"privsep {command}: {message}");
        return exitCode;
    }
}

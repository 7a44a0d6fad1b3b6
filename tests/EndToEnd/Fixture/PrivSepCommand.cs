using System.Diagnostics;

namespace PrivSep.EndToEnd.Tests.Fixture;

/// <summary>What one run of the privsep command printed and returned.</summary>
internal sealed record PrivSepCommandResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {this.ExitCode}\nstdout:\n{this.Output}\nstderr:\n{this.Error}";
}

/// <summary>The real <c>privsep</c> command (privsep.dll in the test output), run as a separate process as a user or CI runs it.</summary>
internal static class PrivSepCommand
{
    public static PrivSepCommandResult Run(params string[] arguments)
    {
        var start = new ProcessStartInfo(DotnetHost.Path) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "privsep.dll"));
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"privsep {string.Join(' ', arguments)} did not finish within 120 s.");
        }

        return new PrivSepCommandResult(process.ExitCode, output, error.Result);
    }
}

using System.Globalization;

namespace PrivSep.Shim.Tests.Support;

/// <summary>
/// A shell script put where the Shim expects privsep-relay, to observe how the Shim starts the relay without a broker: it
/// records its pid, argument vector, working directory and the PrivSep variables it was given, copies its stdin to its
/// stdout (unless told not to: a relay whose stdin is not redirected shares the test host's), and exits with
/// <see cref="ExitCode"/>. The real relay is tested on its own (tests/Relay.Tests) and end to end.
/// </summary>
internal sealed class RelayProbe : IDisposable
{
    public const int ExitCode = 42;

    private readonly TempDirectory folder = new();

    public RelayProbe(bool copyStdin = true)
    {
        string reports = this.folder.Path;
        this.Path = this.folder.WriteScript(
            "privsep-relay",
            $"""
            echo $$ > {reports}/pid
            for a in "$@"; do printf '%s\0' "$a"; done > {reports}/argv
            pwd > {reports}/cwd
            printf '%s\n%s\n%s\n' "$PRIVSEP_SOCKET" "$PRIVSEP_SECRET_FILE" "$PRIVSEP_RELAY_PARENT" > {reports}/variables
            : > {reports}/ready
            {(copyStdin ? "cat" : ":")}
            exit {ExitCode}
            """);
    }

    public string Path { get; }

    public int Pid => int.Parse(this.Report("pid").Trim(), CultureInfo.InvariantCulture);

    public string[] Arguments => this.Report("argv").TrimEnd('\0').Split('\0');

    public string WorkingDirectory => this.Report("cwd").Trim();

    /// <summary>PRIVSEP_SOCKET, PRIVSEP_SECRET_FILE, PRIVSEP_RELAY_PARENT as the relay saw them.</summary>
    public string[] Variables => this.Report("variables").TrimEnd('\n').Split('\n');

    public bool Ran => File.Exists(this.folder["ready"]);

    public void Dispose() => this.folder.Dispose();

    private string Report(string name)
    {
        // The script writes its reports first thing, then "ready"; a test may look before the relay has got that far.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!this.Ran && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(10);
        }

        return File.ReadAllText(this.folder[name]);
    }
}

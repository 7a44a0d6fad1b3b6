using MonitoringAgent.Contracts;

namespace Plugins.ReportWriter;

/// <summary>Writes a status report into the agent's sandbox folder (root-owned; only the broker writes there).</summary>
public sealed class ReportWriter : IMonitoringPlugin
{
    private readonly string path = Path.Combine(HostPaths.Of("/var/lib/privsep/sandbox"), "report.txt");
    private int round;

    public string Name => "ReportWriter";

    public IEnumerable<CheckResult> RunChecks()
    {
        string action = $"write {this.path}";
        try
        {
            this.round++;
            string text = $"status report, round {this.round}: all checks ran\n";
            File.WriteAllText(this.path, text);
            string back = File.ReadAllText(this.path);
            return [CheckResult.Success(action, back == text ? "report written and read back" : "report written, read back differs")];
        }
        catch (Exception e)
        {
            return [CheckResult.Failure(action, e)];
        }
    }
}

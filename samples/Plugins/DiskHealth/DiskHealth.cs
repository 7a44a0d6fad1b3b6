using System.Diagnostics;
using MonitoringAgent.Contracts;

namespace Plugins.DiskHealth;

/// <summary>
/// Reads a disk's health the way such plugins do: it runs a tool that needs root and parses its output. On a real host
/// the tool is <c>smartctl -H /dev/sda</c>; the sample runs <c>/usr/bin/head -c 64</c> on a root-only report file,
/// which behaves the same for PrivSep (an allow-listed root command whose output the plugin reads) and exists
/// everywhere. The code is plain <see cref="Process"/> use: nothing of PrivSep.
/// </summary>
public sealed class DiskHealth : IMonitoringPlugin
{
    private const string HealthTool = "/usr/bin/head";
    private readonly string report = HostPaths.Of("/var/lib/smart/sda.report");

    public string Name => "DiskHealth";

    public IEnumerable<CheckResult> RunChecks()
    {
        string action = $"run {HealthTool} -c 64 {this.report}";
        try
        {
            var start = new ProcessStartInfo(HealthTool)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add("64");
            start.ArgumentList.Add(this.report);

            using var process = Process.Start(start)!;
            var errors = process.StandardError.ReadToEndAsync();
            string output = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(TimeSpan.FromSeconds(15)))
            {
                process.Kill(entireProcessTree: true);
                return [new CheckResult(action, false, "timed out", "TimeoutException", "the health tool did not finish within 15 s")];
            }

            if (process.ExitCode != 0)
            {
                string message = $"exit code {process.ExitCode}: {errors.Result.Trim()}";
                return [new CheckResult(action, false, message, "ExitCode", message)];
            }

            string verdict = output.Contains("PASSED", StringComparison.Ordinal) ? "PASSED" : "check the disk";
            return [CheckResult.Success(action, $"exit 0, {output.Length} bytes, health {verdict}")];
        }
        catch (Exception e)
        {
            return [CheckResult.Failure(action, e)];
        }
    }
}

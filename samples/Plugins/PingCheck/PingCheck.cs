using System.Net.NetworkInformation;
using MonitoringAgent.Contracts;

namespace Plugins.PingCheck;

/// <summary>Pings a list of targets (<c>MONITOR_PING_TARGETS</c>, comma-separated) with the plain BCL <see cref="Ping"/>.</summary>
public sealed class PingCheck : IMonitoringPlugin
{
    private readonly string[] targets =
        (Environment.GetEnvironmentVariable("MONITOR_PING_TARGETS") is { Length: > 0 } list ? list : "127.0.0.1,192.0.2.1")
        .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public string Name => "PingCheck";

    public IEnumerable<CheckResult> RunChecks()
    {
        foreach (string target in this.targets)
        {
            string action = $"ping {target}";
            CheckResult result;
            try
            {
                using var ping = new Ping();
                PingReply reply = ping.Send(target, 2000);
                result = reply.Status == IPStatus.Success
                    ? CheckResult.Success(action, $"reply from {reply.Address}")
                    : new CheckResult(action, false, $"no reply: {reply.Status}", nameof(IPStatus), reply.Status.ToString());
            }
            catch (Exception e)
            {
                result = CheckResult.Failure(action, e);
            }

            yield return result;
        }
    }
}

using PrivSep.Broker.Tests.Harness;

namespace PrivSep.Broker.Tests.Hosting;

/// <summary>The real broker executable, started the way supervisors and shells start it, answers its signals.</summary>
[TestClass]
public sealed class BrokerSignalTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(20);

    [TestMethod]
    public void A_broker_started_with_SIGHUP_ignored_still_reloads_its_policy_on_SIGHUP()
    {
        RequiresRoot.Check();

        // As nohup and some supervisors do: SIGHUP is ignored when the broker is executed, and stays so across exec.
        using var broker = SpawnedBroker.Start(launcher: ["/bin/sh", "-c", "trap '' HUP; exec \"$@\"", "sh"]);
        broker.WritePolicy(SpawnedBroker.DefaultPolicy.Replace("/usr/bin/wc", "/usr/bin/tail", StringComparison.Ordinal));
        int before = broker.Log.Length;

        broker.SendSignal("HUP");

        string logged = broker.WaitForLog("SIGHUP", before, Generous);
        StringAssert.Contains(logged, "reloaded");
        _ = broker.WaitForLog("signal 1 was ignored when the broker was started", 0, Generous);
    }
}

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
        // As nohup and some supervisors do: SIGHUP is ignored when the broker is executed, and stays so across exec.
        string logged = ReloadUnder(["/bin/sh", "-c", "trap '' HUP; exec \"$@\"", "sh"]);

        StringAssert.Contains(logged, "signal 1 was ignored when the broker was started", "the broker says what it undid");
    }

    [TestMethod]
    public void A_broker_started_with_SIGHUP_blocked_still_reloads_its_policy_on_SIGHUP()
    {
        // A blocked signal survives exec too (perl-base is essential on Debian; no shell can block a signal).
        _ = ReloadUnder(["/usr/bin/perl", "-MPOSIX", "-e", "sigprocmask(SIG_BLOCK, POSIX::SigSet->new(SIGHUP)) or die; exec @ARGV or die", "--"]);
    }

    /// <summary>Starts the broker through <paramref name="launcher"/>, changes its policy, sends SIGHUP and asserts the reload; returns the whole log.</summary>
    private static string ReloadUnder(string[] launcher)
    {
        RequiresRoot.Check();
        using var broker = SpawnedBroker.Start(launcher: launcher);
        broker.WritePolicy(SpawnedBroker.DefaultPolicy.Replace("/usr/bin/wc", "/usr/bin/tail", StringComparison.Ordinal));
        int before = broker.Log.Length;

        broker.SendSignal("HUP");

        StringAssert.Contains(broker.WaitForLog("SIGHUP", before, Generous), "reloaded");
        return broker.Log;
    }
}

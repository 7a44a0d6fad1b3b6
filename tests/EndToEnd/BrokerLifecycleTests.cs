using PrivSep.Broker.Audit;
using PrivSep.EndToEnd.Tests.Fixture;

namespace PrivSep.EndToEnd.Tests;

/// <summary>What operators do to a running broker: reload its policy, restart it under running agents.</summary>
[TestClass]
public sealed class BrokerLifecycleTests
{
    [TestInitialize]
    public void EnsureRoot() => RequiresRoot.Check();

    [TestMethod]
    public void Sighup_applies_a_valid_policy_and_keeps_the_old_one_when_the_new_one_is_invalid()
    {
        using var deployment = Deployment.Create();
        using var broker = BrokerProcess.Start(deployment);
        string authLog = Path.Combine(deployment.Logs, "auth.log");
        string original = File.ReadAllText(deployment.PolicyPath);

        File.WriteAllText(deployment.PolicyPath, original.Replace("\"version\": 1", "\"version\": 1, \"unknownKey\": true", StringComparison.Ordinal));
        string refused = broker.Reload();
        StringAssert.Contains(refused, "refused");
        StringAssert.Contains(refused, "unknownKey");
        Assert.IsTrue(AgentProcess.Run(deployment, "read", authLog).Single().Ok, "the previous policy stays in force");

        File.WriteAllText(deployment.PolicyPath, original.Replace($"\"{deployment.Logs}/shadow.log\"", $"\"{deployment.Logs}/shadow.log\", \"{authLog}\"", StringComparison.Ordinal));
        StringAssert.Contains(broker.Reload(), "reloaded");
        var denied = AgentProcess.Run(deployment, "read", authLog).Single();
        Assert.IsFalse(denied.Ok, "the reloaded policy denies auth.log now");
        StringAssert.Contains(denied.Message, "files.deny[1]");
        Assert.AreEqual(0, broker.Stop());
    }

    [TestMethod]
    public void An_agent_reconnects_after_the_broker_restarts_and_the_audit_chain_continues_across_the_restart()
    {
        using var deployment = Deployment.Create();
        var first = BrokerProcess.Start(deployment);
        string authLog = Path.Combine(deployment.Logs, "auth.log");
        using var agent = AgentProcess.Start(deployment, null, "read", authLog, "sleep", "4000", "read", authLog);
        Assert.IsTrue(agent.ReadOne().Ok, "first read, before the restart");

        Assert.AreEqual(0, first.Stop());
        first.Dispose();
        using var second = BrokerProcess.Start(deployment);

        var afterRestart = agent.ReadAll();
        Assert.AreEqual("slept", afterRestart[0].Value);
        Assert.IsTrue(afterRestart[1].Ok, "the Shim reconnects to the restarted broker: " + afterRestart[1]);
        Assert.AreEqual(0, second.Stop());

        var verification = AuditChainVerifier.Verify(deployment.AuditPath);
        Assert.IsTrue(verification.IsValid, string.Join("; ", verification.Problems.Select(p => p.Description)));
        Assert.IsGreaterThanOrEqualTo(4L, verification.LineCount, "two connections and two reads, across two broker processes");
    }

    [TestMethod]
    public void An_agent_reconnects_after_the_broker_closed_its_idle_connection()
    {
        using var deployment = Deployment.Create();
        string policy = File.ReadAllText(deployment.PolicyPath);
        File.WriteAllText(deployment.PolicyPath, policy.Replace("\"ping\":", "\"limits\": { \"connectionIdleTimeoutSeconds\": 1 },\n  \"ping\":", StringComparison.Ordinal));
        using var broker = BrokerProcess.Start(deployment);
        string authLog = Path.Combine(deployment.Logs, "auth.log");

        // The second read comes well after the broker closed the first read's connection for idleness.
        using var agent = AgentProcess.Start(deployment, null, "read", authLog, "sleep", "3000", "read", authLog);
        Assert.IsTrue(agent.ReadOne().Ok, "first read");
        var afterIdle = agent.ReadAll();

        Assert.AreEqual("slept", afterIdle[0].Value);
        Assert.IsTrue(afterIdle[1].Ok, "the Shim reconnects when the broker closed its idle connection: " + afterIdle[1]);
        Assert.AreEqual(0, broker.Stop());
        Assert.Contains("\"idle-timeout\"", File.ReadAllText(deployment.AuditPath));
    }

    [TestMethod]
    public void An_agent_with_no_broker_running_gets_an_IOException_naming_the_socket_and_what_to_do()
    {
        using var deployment = Deployment.Create();
        var result = AgentProcess.Run(deployment, "read", Path.Combine(deployment.Logs, "auth.log")).Single();

        Assert.IsFalse(result.Ok);
        Assert.AreEqual("IOException", result.Error);
        StringAssert.Contains(result.Message, deployment.SocketPath);
        StringAssert.Contains(result.Message, "privsep-broker");
    }

    [TestMethod]
    public void A_broker_with_an_invalid_policy_refuses_to_start_and_names_the_line_and_column()
    {
        using var deployment = Deployment.Create();
        File.WriteAllText(deployment.PolicyPath, "{\n  \"version\": 1,\n  \"agents\": { \"users\": [\"root\"] },\n  \"files\": { \"raed\": [\"/var/log/**\"] }\n}\n");

        var (exitCode, log) = BrokerProcess.RunExpectingRefusal(deployment);

        Assert.AreEqual(2, exitCode, log);
        StringAssert.Contains(log, $"{deployment.PolicyPath}(4,");
        StringAssert.Contains(log, "raed");
        Assert.IsFalse(File.Exists(deployment.SocketPath), "a broker that refused to start must not leave a socket behind");
    }

    [TestMethod]
    public void A_broker_whose_secret_others_can_read_refuses_to_start_and_says_how_to_fix_it()
    {
        using var deployment = Deployment.Create();
        File.SetUnixFileMode(deployment.SecretPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var (exitCode, log) = BrokerProcess.RunExpectingRefusal(deployment);

        Assert.AreEqual(2, exitCode, log);
        StringAssert.Contains(log, deployment.SecretPath);
        StringAssert.Contains(log, "chmod 0640");
    }
}

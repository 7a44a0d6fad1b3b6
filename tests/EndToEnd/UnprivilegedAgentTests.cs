using PrivSep.Broker.Audit;
using PrivSep.EndToEnd.Tests.Fixture;

namespace PrivSep.EndToEnd.Tests;

/// <summary>
/// The seed's promises, end to end: the broker runs as root, the client as a real unprivileged user created by the
/// test setup, and the kernel — not the test — decides what the client could do on its own.
/// </summary>
[TestClass]
public sealed class UnprivilegedAgentTests
{
    private static Deployment deployment = null!;
    private static BrokerProcess broker = null!;

    [ClassInitialize]
    public static void StartBroker(TestContext context)
    {
        RequiresRoot.Check();
        deployment = Deployment.Create();
        broker = BrokerProcess.Start(deployment);
    }

    [ClassCleanup]
    public static void StopBroker()
    {
        if (broker is not null)
        {
            int exit = broker.Stop();
            Assert.AreEqual(0, exit, "the broker exits 0 on SIGTERM. Log:\n" + broker.Log);
            Assert.IsFalse(File.Exists(deployment.SocketPath), "the broker removes its socket when it stops");
            broker.Dispose();
        }

        deployment?.Dispose();
    }

    [TestInitialize]
    public void EnsureRoot() => RequiresRoot.Check();

    [TestMethod]
    public void A_root_only_file_in_files_read_is_read_through_the_broker_while_the_kernel_refuses_the_user_directly()
    {
        string authLog = Path.Combine(deployment.Logs, "auth.log");
        var results = AgentProcess.Run(deployment, "direct-read", authLog, "read", authLog);

        Assert.IsFalse(results[0].Ok, "the unprivileged user must not read a 0600 root file on its own: " + results[0]);
        Assert.AreEqual("UnauthorizedAccessException", results[0].Error);
        Assert.IsTrue(results[1].Ok, results[1].ToString());
        Assert.AreEqual("Nov 27 sshd[1]: Accepted publickey for admin\n", results[1].Value);
    }

    [TestMethod]
    public void A_file_in_files_deny_is_refused_with_UnauthorizedAccessException_naming_the_rule()
    {
        var result = AgentProcess.Run(deployment, "read", Path.Combine(deployment.Logs, "shadow.log")).Single();

        Assert.IsFalse(result.Ok);
        Assert.AreEqual("UnauthorizedAccessException", result.Error);
        StringAssert.Contains(result.Message, "files.deny[0]");
    }

    [TestMethod]
    public void A_write_inside_the_sandbox_works_and_one_outside_is_refused_without_creating_anything()
    {
        string inside = Path.Combine(deployment.Sandbox, "report.txt");
        string outside = Path.Combine(deployment.Outside, "report.txt");
        var results = AgentProcess.Run(deployment, "write", inside, "disk ok", "append", inside, "; load ok", "write", outside, "nope");

        Assert.IsTrue(results[0].Ok, results[0].ToString());
        Assert.IsTrue(results[1].Ok, results[1].ToString());
        Assert.AreEqual("disk ok; load ok", File.ReadAllText(inside));
        Assert.IsFalse(results[2].Ok);
        Assert.AreEqual("UnauthorizedAccessException", results[2].Error);
        StringAssert.Contains(results[2].Message, "files.write");
        Assert.IsFalse(File.Exists(outside));
    }

    [TestMethod]
    public void Ping_of_loopback_succeeds_through_the_broker_and_fails_for_the_same_user_without_it()
    {
        var results = AgentProcess.Run(deployment, "direct-ping", "127.0.0.1", "ping", "127.0.0.1", "ping", "10.200.0.1");

        Assert.IsFalse(results[0].Ok, "without the broker the unprivileged user cannot send ICMP echo here: " + results[0]);
        Assert.IsTrue(results[1].Ok, results[1].ToString());
        Assert.AreEqual("Success", results[1].Value);
        Assert.IsFalse(results[2].Ok, "a target outside ping.targets is refused before anything is sent");
        StringAssert.Contains(results[2].Message, "denied by the PrivSep broker policy");
    }

    [TestMethod]
    public void Every_privileged_request_has_an_audit_line_with_the_kernel_identity_and_the_chain_verifies()
    {
        string authLog = Path.Combine(deployment.Logs, "auth.log");
        int before = File.ReadAllLines(deployment.AuditPath).Length;
        var results = AgentProcess.Run(deployment, "read", authLog, "read", Path.Combine(deployment.Logs, "shadow.log"), "ping", "127.0.0.1");
        Assert.AreEqual(3, results.Count);

        var added = File.ReadAllLines(deployment.AuditPath).Skip(before).ToList();
        uint uid = uint.Parse(TestUserId(), System.Globalization.CultureInfo.InvariantCulture);
        var requests = added.Where(l => !l.Contains("\"action\":\"connect\"", StringComparison.Ordinal)).ToList();
        Assert.AreEqual(3, requests.Count, string.Join("\n", added));
        StringAssert.Contains(requests[0], "\"decision\":\"allow\"");
        StringAssert.Contains(requests[0], authLog);
        StringAssert.Contains(requests[1], "\"decision\":\"deny\"");
        StringAssert.Contains(requests[2], "\"action\":\"net.ping\"");
        Assert.IsTrue(added.All(l => l.Contains($"\"uid\":{uid},", StringComparison.Ordinal)), "the uid comes from SO_PEERCRED");

        var verification = AuditChainVerifier.Verify(deployment.AuditPath);
        Assert.IsTrue(verification.IsValid, string.Join("; ", verification.Problems.Select(p => p.Description)));
    }

    [TestMethod]
    public void Unprivileged_work_never_reaches_the_broker_unless_PRIVSEP_ROUTE_says_broker()
    {
        string publicLog = Path.Combine(deployment.Logs, "public.log");
        int before = File.ReadAllLines(deployment.AuditPath).Length;

        var direct = AgentProcess.Run(deployment, "read", publicLog).Single();
        Assert.AreEqual("anyone may read this\n", direct.Value, direct.ToString());
        Assert.AreEqual(before, File.ReadAllLines(deployment.AuditPath).Length, "the fast path served it: no broker request, no audit line");

        var routed = AgentProcess.Run(deployment, new Dictionary<string, string> { ["PRIVSEP_ROUTE"] = "broker" }, "read", publicLog).Single();
        Assert.AreEqual("anyone may read this\n", routed.Value, routed.ToString());
        var added = File.ReadAllLines(deployment.AuditPath).Skip(before).ToList();
        Assert.IsTrue(added.Any(l => l.Contains("\"action\":\"file.open\"", StringComparison.Ordinal) && l.Contains(publicLog, StringComparison.Ordinal)), "with PRIVSEP_ROUTE=broker the same read goes through the broker");
    }

    [TestMethod]
    public void Killing_the_client_frees_its_broker_side_handles()
    {
        int baseline = broker.OpenDescriptorCount();
        using var agent = AgentProcess.Start(deployment, null, "hold", deployment.Logs, "60");
        var holding = agent.ReadOne();
        Assert.AreEqual("holding", holding.Value, holding.ToString());
        Assert.IsGreaterThan(baseline, broker.OpenDescriptorCount(), "an open enumeration holds descriptors in the broker");

        agent.Kill();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (broker.OpenDescriptorCount() > baseline && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(100);
        }

        Assert.AreEqual(baseline, broker.OpenDescriptorCount(), "the connection's handles are closed when the client dies");
    }

    private static string TestUserId()
    {
        var start = new System.Diagnostics.ProcessStartInfo("id", ["-u", TestUser.Name]) { RedirectStandardOutput = true };
        using var id = System.Diagnostics.Process.Start(start)!;
        string text = id.StandardOutput.ReadToEnd().Trim();
        id.WaitForExit();
        return text;
    }
}

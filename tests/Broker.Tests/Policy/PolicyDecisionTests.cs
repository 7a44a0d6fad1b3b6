namespace PrivSep.Broker.Tests.Policy;

/// <summary>Which rule decides, and that the decision names it for the audit log and the client.</summary>
[TestClass]
public sealed class PolicyDecisionTests
{
    [TestMethod]
    public void DenyWinsOverRead()
    {
        var policy = TestPolicies.Files(read: ["/etc/**"], deny: ["/etc/shadow"]);

        var decision = policy.CheckRead("/etc/shadow");

        Assert.IsFalse(decision.Allowed);
        Assert.AreEqual("files.deny[0] \"/etc/shadow\"", decision.Rule);
    }

    [TestMethod]
    public void DenyWinsOverWrite()
    {
        var policy = TestPolicies.Files(write: ["/srv/sandbox/**"], deny: ["/srv/sandbox/secret/**"]);

        Assert.IsFalse(policy.CheckWrite("/srv/sandbox/secret/key").Allowed);
        Assert.AreEqual("files.deny[0] \"/srv/sandbox/secret/**\"", policy.CheckWrite("/srv/sandbox/secret").Rule);
        Assert.IsTrue(policy.CheckWrite("/srv/sandbox/out.txt").Allowed);
    }

    [TestMethod]
    public void AllowedDecisionNamesTheFirstMatchingRule()
    {
        var policy = TestPolicies.Files(read: ["/etc/mysql/debian.cnf", "/var/log/**", "/var/log/syslog"]);

        var decision = policy.CheckRead("/var/log/syslog");

        Assert.IsTrue(decision.Allowed);
        Assert.AreEqual("files.read[1] \"/var/log/**\"", decision.Rule);
    }

    [TestMethod]
    public void DefaultDenyNamesItself()
    {
        var policy = TestPolicies.Files(read: ["/var/log/**"], write: ["/srv/sandbox/**"]);

        Assert.AreEqual(new PrivSep.Broker.Policy.PolicyDecision(false, "default deny (no files.read rule matches)"), policy.CheckRead("/etc/passwd"));
        Assert.AreEqual(new PrivSep.Broker.Policy.PolicyDecision(false, "default deny (no files.write rule matches)"), policy.CheckWrite("/var/log/syslog"));
    }

    [TestMethod]
    public void ReadAndWriteAreSeparateGrants()
    {
        var policy = TestPolicies.Files(read: ["/var/log/**"], write: ["/srv/sandbox/**"]);

        Assert.IsFalse(policy.CheckWrite("/var/log/syslog").Allowed, "a read rule does not allow writing");
        Assert.IsFalse(policy.CheckRead("/srv/sandbox/x").Allowed, "a write rule does not allow reading");
    }

    [TestMethod]
    public void APolicyWithoutFilesOrPingAllowsNothing()
    {
        var policy = TestPolicies.Parse("""{ "version": 1, "agents": { "users": ["privsep-agent"] } }""");

        Assert.IsFalse(policy.CheckRead("/").Allowed);
        Assert.IsFalse(policy.CheckWrite("/tmp/x").Allowed);
        Assert.IsFalse(policy.CheckPing("localhost", System.Net.IPAddress.Loopback).Allowed);
        Assert.IsEmpty(policy.WriteRoots);
    }
}

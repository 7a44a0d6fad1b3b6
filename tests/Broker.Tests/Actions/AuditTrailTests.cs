using PrivSep.Broker.Audit;
using PrivSep.Broker.Tests.Harness;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Broker.Tests.Actions;

/// <summary>Every request, allowed or denied, leaves exactly one audit line, written before the answer, in a chain that verifies.</summary>
[TestClass]
public sealed class AuditTrailTests
{
    [TestMethod]
    public async Task Each_request_leaves_one_line_with_its_decision_rule_and_outcome_and_the_chain_verifies()
    {
        await using var broker = await TestBroker.StartAsync();
        string read = Path.Combine(broker.Root, "read", "r.txt");
        File.WriteAllText(read, "r");
        Directory.CreateDirectory(Path.Combine(broker.Root, "read", "denied"));
        string denied = Path.Combine(broker.Root, "read", "denied", "d.txt");
        File.WriteAllText(denied, "d");
        string missing = Path.Combine(broker.Root, "read", "missing.txt");
        string written = Path.Combine(broker.Root, "sandbox", "w.txt");
        string outside = Path.Combine(broker.Root, "outside.txt");
        string directory = Path.Combine(broker.Root, "sandbox", "d");
        await using var client = await broker.ConnectAsync();
        string readRule = $"files.read[0] \"{broker.Root}/read/**\"";
        string writeRule = $"files.write[0] \"{broker.Root}/sandbox/**\"";

        // Each line must be on disk when the answer arrives: no waiting, no polling.
        Assert.AreEqual("r", await client.ReadTextAsync(read));
        var line = AuditTrail.Single(broker, "file.open", "path", read, "allow", "ok");
        Assert.AreEqual(readRule, line.Rule);
        Assert.AreEqual(read, line.Path);
        Assert.AreEqual("Open", line.Arg("mode"));
        Assert.AreEqual("Read", line.Arg("access"));

        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.ReadTextAsync(denied));
        Assert.AreEqual($"files.deny[0] \"{broker.Root}/read/denied/**\"", AuditTrail.Single(broker, "file.open", "path", denied, "deny", "denied").Rule);

        await BrokerAssert.FailsWith(BrokerErrorCode.NotFound, () => client.ReadTextAsync(missing));
        Assert.AreEqual(readRule, AuditTrail.Single(broker, "file.open", "path", missing, "allow", "not-found").Rule);

        await client.WriteTextAsync(written, "w");
        Assert.AreEqual(writeRule, AuditTrail.Single(broker, "file.open", "path", written, "allow", "ok").Rule);

        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.WriteTextAsync(outside, "x"));
        Assert.AreEqual("default deny (no files.write rule matches)", AuditTrail.Single(broker, "file.open", "path", outside, "deny", "denied").Rule);

        var status = await client.Service.GetFileStatusAsync(new PathRequest(read, Plugin: "StatPlugin"), CancellationToken.None);
        Assert.IsTrue(status.Exists);
        var stat = AuditTrail.Single(broker, "file.stat", "path", read, "allow", "ok");
        Assert.AreEqual("StatPlugin", stat.Plugin, "the plugin is recorded as the client claimed it");

        await client.Service.CreateDirectoryAsync(new CreateDirectoryRequest(directory), CancellationToken.None);
        AuditTrail.Single(broker, "dir.create", "path", directory, "allow", "ok");
        await client.Service.DeleteDirectoryAsync(new PathRequest(directory), CancellationToken.None);
        AuditTrail.Single(broker, "dir.delete", "path", directory, "allow", "ok");
        await client.Service.DeleteFileAsync(new PathRequest(written), CancellationToken.None);
        AuditTrail.Single(broker, "file.delete", "path", written, "allow", "ok");

        var listing = await client.Service.OpenDirectoryAsync(new PathRequest(Path.Combine(broker.Root, "read")), CancellationToken.None);
        AuditTrail.Single(broker, "dir.open", "path", Path.Combine(broker.Root, "read"), "allow", "ok");
        var page = await client.Service.ReadDirectoryAsync(new ReadDirectoryRequest(listing.Handle, 100), CancellationToken.None);
        Assert.IsTrue(page.IsLast);
        AuditTrail.Single(broker, "dir.read", "handle", listing.Handle.ToString(System.Globalization.CultureInfo.InvariantCulture), "allow", "ok");

        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.Service.PingAsync(new PingRequest("10.1.2.3", 1000, new byte[8], 64, false), CancellationToken.None));
        AuditTrail.Single(broker, "net.ping", "host", "10.1.2.3", "deny", "denied");

        // One line per request above, plus the connection lines; nothing else.
        var requests = AuditTrail.Read(broker).Where(e => e.Action != "connect").ToList();
        Assert.HasCount(12, requests, string.Join("\n", requests));
        Assert.IsTrue(requests.All(e => e.Pid == Environment.ProcessId && e.Uid == 0 && e.Gid == 0), "identity comes from SO_PEERCRED");
        var connects = AuditTrail.Read(broker).Where(e => e.Action == "connect" && e.Decision == "allow").ToList();
        Assert.HasCount(1, connects);

        var verification = AuditChainVerifier.Verify(broker.AuditPath);
        Assert.IsTrue(verification.IsValid, string.Join("\n", verification.Problems.Select(p => p.Description)));
        Assert.AreEqual(broker.AuditLines().Length, verification.LineCount);
    }

    [TestMethod]
    public async Task Client_text_with_line_breaks_never_splits_an_audit_line()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectAsync();
        string forged = "\n{\"seq\":99,\"action\":\"file.open\",\"decision\":\"allow\"}\r\n";

        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.ReadTextAsync("/etc/" + forged));
        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.Service.GetFileStatusAsync(new PathRequest("/etc/shadow", Plugin: "evil" + forged), CancellationToken.None));

        var lines = broker.AuditLines();
        var requests = lines.Select(AuditTrail.Parse).Where(e => e.Action != "connect").ToList();
        Assert.HasCount(2, requests, string.Join("\n", lines));
        Assert.AreEqual("/etc/" + forged, requests[0].Arg("path"), "the path is recorded faithfully, escaped");
        Assert.AreEqual("evil" + forged, requests[1].Plugin);
        Assert.IsTrue(AuditChainVerifier.Verify(broker.AuditPath).IsValid);
    }

    [TestMethod]
    public async Task A_request_refused_for_a_malformed_path_is_audited()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectAsync();
        string traversal = Path.Combine(broker.Root, "read") + "/../../../etc/shadow";

        await BrokerAssert.FailsWith(BrokerErrorCode.InvalidArgument, () => client.ReadTextAsync(traversal));
        await BrokerAssert.FailsWith(BrokerErrorCode.InvalidArgument, () => client.Service.DeleteFileAsync(new PathRequest(Path.Combine(broker.Root, "sandbox") + "/../x"), CancellationToken.None));

        // A traversal attempt is exactly what an auditor needs to see: it must leave a line like any other refusal.
        var requests = AuditTrail.Read(broker).Where(e => e.Action != "connect").ToList();
        Assert.HasCount(2, requests, "every privileged request, allowed or denied, is one audit line; found:\n" + string.Join("\n", requests));
        Assert.IsTrue(requests.All(e => e.Decision == "deny" && e.Outcome == "invalid-argument"), string.Join("\n", requests));
    }

    [TestMethod]
    public async Task A_refusal_for_the_object_type_records_the_resolved_path()
    {
        // The policy names the device, so the refusal comes from the object-type rule, not from the policy.
        await using var broker = await TestBroker.StartAsync(TestBroker.DefaultPolicy.Replace("\"read\": [\"{root}/read/**\"]", "\"read\": [\"{root}/read/**\", \"/dev/null\"]", StringComparison.Ordinal));
        string link = Path.Combine(broker.Root, "read", "null");
        File.CreateSymbolicLink(link, "/dev/null");
        await using var client = await broker.ConnectAsync();

        await BrokerAssert.FailsWith(BrokerErrorCode.NotSupportedObject, () => client.ReadTextAsync(link));

        var entry = AuditTrail.Single(broker, "file.open", "path", link, "deny", "unsupported-object");
        Assert.AreEqual("/dev/null", entry.Path, "the audit line names the object the broker actually opened");
    }
}

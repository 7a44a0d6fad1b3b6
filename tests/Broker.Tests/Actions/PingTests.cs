using System.Diagnostics;
using System.Net.NetworkInformation;
using PrivSep.Broker.Tests.Harness;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Broker.Tests.Actions;

/// <summary>
/// ICMP echo through the broker. Only loopback is ever pinged for real: this machine has no network, and traffic
/// to any other address is flagged. A denied target must be refused before anything is sent.
/// </summary>
[TestClass]
public sealed class PingTests
{
    /// <summary>The default limits, but messages large enough to carry an over-long ping buffer to the validation.</summary>
    private const string PingPolicy = """
        {
          "version": 1,
          "agents": { "users": ["root"] },
          "files": { "read": ["{root}/read/**"], "write": ["{root}/sandbox/**"], "deny": [] },
          "ping": { "targets": ["127.0.0.0/8"] },
          "limits": { "maxConnections": 4, "maxOpenHandles": 8, "maxMessageBytes": 262144, "maxConcurrentRequests": 4, "handshakeTimeoutSeconds": 1, "handleIdleTimeoutSeconds": 2 }
        }
        """;

    [TestMethod]
    public async Task A_loopback_address_the_policy_allows_is_pinged()
    {
        RequiresRoot.Check();
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectAsync();
        byte[] payload = "privsep-ping"u8.ToArray();

        var reply = await client.Service.PingAsync(new PingRequest("127.0.0.1", 2000, payload, 64, false, Plugin: "PingCheck"), CancellationToken.None);

        Assert.AreEqual(IPStatus.Success, reply.Status);
        Assert.AreEqual("127.0.0.1", reply.Address);
        CollectionAssert.AreEqual(payload, reply.Buffer, "the echo carries the caller's payload");
        var entry = AuditTrail.Single(broker, "net.ping", "host", "127.0.0.1", "allow", "ok");
        Assert.AreEqual("ping.targets[0] \"127.0.0.0/8\"", entry.Rule);
        Assert.AreEqual("PingCheck", entry.Plugin);
    }

    [TestMethod]
    public async Task An_address_outside_the_ping_targets_is_refused_before_anything_is_sent()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectAsync();

        var clock = Stopwatch.StartNew();
        var error = await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.Service.PingAsync(new PingRequest("10.1.2.3", 5000, new byte[32], 64, false), CancellationToken.None));

        // A ping that was sent would wait for its 5 s timeout (no network here); a refusal comes back at once.
        Assert.IsLessThan(TimeSpan.FromSeconds(2), clock.Elapsed);
        Assert.Contains("10.1.2.3", error.Message);
        Assert.Contains("ping.targets", error.Message);
        var entry = AuditTrail.Single(broker, "net.ping", "host", "10.1.2.3", "deny", "denied");
        Assert.IsNotNull(entry.Rule);
        Assert.Contains("default deny", entry.Rule);
    }

    [TestMethod]
    [DataRow("", DisplayName = "empty")]
    [DataRow("   ", DisplayName = "whitespace")]
    [DataRow("127.0.0.1 ", DisplayName = "trailing space")]
    [DataRow("127.0.0.1\n", DisplayName = "newline")]
    [DataRow("long", DisplayName = "300 characters")]
    public async Task An_invalid_host_is_an_invalid_argument(string host)
    {
        await using var broker = await TestBroker.StartAsync(PingPolicy);
        await using var client = await broker.ConnectAsync();
        if (host == "long")
        {
            host = new string('a', 296) + ".com";
        }

        await BrokerAssert.FailsWith(BrokerErrorCode.InvalidArgument, () => client.Service.PingAsync(new PingRequest(host, 1000, new byte[32], 64, false), CancellationToken.None));
    }

    [TestMethod]
    public async Task Ttl_timeout_and_buffer_out_of_range_are_invalid_arguments()
    {
        await using var broker = await TestBroker.StartAsync(PingPolicy);
        await using var client = await broker.ConnectAsync();

        // All aimed at an allowed loopback address, so only the argument checks can refuse them; none is sent.
        await BrokerAssert.FailsWith(BrokerErrorCode.InvalidArgument, () => client.Service.PingAsync(new PingRequest("127.0.0.1", 1000, new byte[32], 0, false), CancellationToken.None));
        await BrokerAssert.FailsWith(BrokerErrorCode.InvalidArgument, () => client.Service.PingAsync(new PingRequest("127.0.0.1", 1000, new byte[32], 256, false), CancellationToken.None));
        await BrokerAssert.FailsWith(BrokerErrorCode.InvalidArgument, () => client.Service.PingAsync(new PingRequest("127.0.0.1", 0, new byte[32], 64, false), CancellationToken.None));
        await BrokerAssert.FailsWith(BrokerErrorCode.InvalidArgument, () => client.Service.PingAsync(new PingRequest("127.0.0.1", -5, new byte[32], 64, false), CancellationToken.None));
        await BrokerAssert.FailsWith(BrokerErrorCode.InvalidArgument, () => client.Service.PingAsync(new PingRequest("127.0.0.1", 1000, new byte[65501], 64, false), CancellationToken.None));

        var lines = AuditTrail.Read(broker).Where(e => e.Action == "net.ping").ToList();
        Assert.HasCount(5, lines);
        Assert.IsTrue(lines.All(e => e.Decision == "deny" && e.Outcome == "invalid-argument"), string.Join("\n", lines));
    }
}

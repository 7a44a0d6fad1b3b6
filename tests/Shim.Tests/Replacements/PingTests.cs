using System.Net;
using System.Net.NetworkInformation;
using System.Reflection;
using PrivSep.Protocol.Contracts;
using PrivSep.Shim.Replacements;
using PrivSep.Shim.Tests.Support;

namespace PrivSep.Shim.Tests.Replacements;

/// <summary>Ping's replacements: directly as root, and through a stand-in broker with Ping's own contract.</summary>
[TestClass]
public sealed class PingTests
{
    [TestMethod]
    public async Task AsRootPingWorksDirectlyWithoutTheBroker()
    {
        if (Environment.UserName != "root")
        {
            Assert.Inconclusive("Ping works directly only with CAP_NET_RAW (CI runs as root).");
        }

        using var _ = RoutingScope.FastPathWithUnreachableBroker(out var recorder);
        using var ping = new Ping();
        var reply = PingShims.Send(ping, "127.0.0.1");
        Assert.AreEqual(IPStatus.Success, reply.Status);
        Assert.AreEqual(IPAddress.Loopback, reply.Address);
        Assert.AreEqual(IPStatus.Success, (await PingShims.SendPingAsync(ping, IPAddress.Loopback, 1000)).Status);
        Assert.IsEmpty(recorder.Calls, "the broker was tried: " + string.Join("; ", recorder.Calls));
    }

    [TestMethod]
    public void ThroughTheBrokerPingKeepsItsDefaultsAndPassesAddressesAsText()
    {
        var broker = new DirectBrokerActions();
        using var _ = RoutingScope.AllToBroker(broker);
        using var ping = new Ping();

        var reply = PingShims.Send(ping, "db1.example.com");
        Assert.AreEqual(IPStatus.Success, reply.Status);
        Assert.AreEqual("db1.example.com", broker.LastPing!.Value.Host);
        Assert.AreEqual(5000, broker.LastPing.Value.Timeout);
        CollectionAssert.AreEqual(DefaultSendBufferOf(ping), broker.LastPing.Value.Buffer, "Ping's own default payload");

        PingShims.Send(ping, IPAddress.Parse("10.1.2.3"), TimeSpan.FromMilliseconds(250), [1, 2, 3], new PingOptions(7, dontFragment: true));
        Assert.AreEqual("10.1.2.3", broker.LastPing.Value.Host);
        Assert.AreEqual(250, broker.LastPing.Value.Timeout);
        CollectionAssert.AreEqual(new byte[] { 1, 2, 3 }, broker.LastPing.Value.Buffer);
        Assert.AreEqual(7, broker.LastPing.Value.Options!.Ttl);
        Assert.IsTrue(broker.LastPing.Value.Options.DontFragment);

        PingShims.Send(ping, IPAddress.IPv6Loopback, 100);
        Assert.AreEqual("::1", broker.LastPing.Value.Host);
    }

    [TestMethod]
    public async Task ATimeoutIsAReplyNotAnException()
    {
        var broker = new DirectBrokerActions { PingAnswer = new PingResponse(IPStatus.TimedOut, "10.255.255.1", 0, [], null, false) };
        using var _ = RoutingScope.AllToBroker(broker);
        using var ping = new Ping();

        var reply = PingShims.Send(ping, "10.255.255.1", 200);
        Assert.AreEqual(IPStatus.TimedOut, reply.Status);
        Assert.AreEqual(IPAddress.Parse("10.255.255.1"), reply.Address);
        Assert.IsNull(reply.Options);

        var asyncReply = await PingShims.SendPingAsync(ping, "10.255.255.1", TimeSpan.FromMilliseconds(200), cancellationToken: CancellationToken.None);
        Assert.AreEqual(IPStatus.TimedOut, asyncReply.Status);
    }

    [TestMethod]
    public void ArgumentErrorsMatchPingsAndSendNothing()
    {
        using var _ = RoutingScope.AllToBroker(new RefusingBrokerActions());
        using var ping = new Ping();
        SameFailure.Assert(() => ping.Send((string)null!), () => PingShims.Send(ping, (string)null!));
        SameFailure.Assert(() => ping.Send(string.Empty), () => PingShims.Send(ping, string.Empty));
        SameFailure.Assert(() => ping.Send("127.0.0.1", -1), () => PingShims.Send(ping, "127.0.0.1", -1));
        SameFailure.Assert(() => ping.Send("localhost", -1), () => PingShims.Send(ping, "localhost", -1));
        SameFailure.Assert(() => ping.Send("127.0.0.1", 100, null!), () => PingShims.Send(ping, "127.0.0.1", 100, null!));
        SameFailure.Assert(() => ping.Send("127.0.0.1", 100, new byte[65501]), () => PingShims.Send(ping, "127.0.0.1", 100, new byte[65501]));
        SameFailure.Assert(() => ping.Send(IPAddress.Any), () => PingShims.Send(ping, IPAddress.Any));
        SameFailure.Assert(() => ping.Send("::"), () => PingShims.Send(ping, "::"));
        SameFailure.Assert(() => ping.Send((IPAddress)null!), () => PingShims.Send(ping, (IPAddress)null!));
        SameFailure.Assert(() => ping.Send("127.0.0.1", TimeSpan.FromMilliseconds(-2), null, null), () => PingShims.Send(ping, "127.0.0.1", TimeSpan.FromMilliseconds(-2)));
        SameFailure.Assert(() => ping.Send("127.0.0.1", TimeSpan.FromMilliseconds(-1), null, null), () => PingShims.Send(ping, "127.0.0.1", TimeSpan.FromMilliseconds(-1)));
        SameFailure.Assert(() => ping.Send(IPAddress.Loopback, TimeSpan.FromDays(30), null, null), () => PingShims.Send(ping, IPAddress.Loopback, TimeSpan.FromDays(30)));
        SameFailure.Assert(() => ping.SendPingAsync(IPAddress.Any), () => PingShims.SendPingAsync(ping, IPAddress.Any));
        SameFailure.Assert(() => ping.SendPingAsync("127.0.0.1", -5), () => PingShims.SendPingAsync(ping, "127.0.0.1", -5));
    }

    [TestMethod]
    public void ADisposedOrNullPingFailsAsTheCallWould()
    {
        using var _ = RoutingScope.AllToBroker(new RefusingBrokerActions());
        var ping = new Ping();
        ping.Dispose();
        SameFailure.Assert(() => ping.Send("127.0.0.1"), () => PingShims.Send(ping, "127.0.0.1"));
        SameFailure.Assert(() => ping.SendPingAsync(IPAddress.Loopback), () => PingShims.SendPingAsync(ping, IPAddress.Loopback));
        Assert.ThrowsExactly<NullReferenceException>(() => PingShims.Send(null!, "127.0.0.1"));
        Assert.ThrowsExactly<NullReferenceException>(() => PingShims.SendPingAsync(null!, IPAddress.Loopback, TimeSpan.FromSeconds(1)));
    }

    [TestMethod]
    public void ABrokerDenialIsAPingException()
    {
        using var _ = RoutingScope.AllToBroker(new DenyingPing());
        using var ping = new Ping();
        Assert.ThrowsExactly<PingException>(() => PingShims.Send(ping, "192.0.2.1"));
    }

    private static byte[] DefaultSendBufferOf(Ping ping) =>
        (byte[])typeof(Ping).GetProperty("DefaultSendBuffer", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(ping)!;

    /// <summary>Answers as the client facade does when the policy refuses a target.</summary>
    private sealed class DenyingPing : RefusingBrokerActions
    {
        public override PingResponse Ping(string hostOrAddress, int timeoutMilliseconds, byte[] buffer, PingOptions? options) =>
            throw new PingException($"An exception occurred during a Ping request to '{hostOrAddress}': denied by policy rule ping.targets", new UnauthorizedAccessException());

        public override Task<PingResponse> PingAsync(string hostOrAddress, int timeoutMilliseconds, byte[] buffer, PingOptions? options, CancellationToken cancellationToken) =>
            Task.FromResult(this.Ping(hostOrAddress, timeoutMilliseconds, buffer, options));
    }
}

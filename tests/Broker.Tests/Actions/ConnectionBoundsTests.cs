using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using PrivSep.Broker.Tests.Exec;
using PrivSep.Broker.Tests.Harness;
using PrivSep.Protocol.Contracts;
using PrivSep.Protocol.Handshake;
using static PrivSep.Broker.Tests.Exec.ExecTestSession;

namespace PrivSep.Broker.Tests.Actions;

/// <summary>
/// What one client can hold of the broker: notifications (which no response bounds), connections that never finish
/// the handshake, idle and half-sent connections. None of them may keep a legitimate client out or grow without bound.
/// </summary>
[TestClass]
public sealed class ConnectionBoundsTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    /// <summary>Idle connections are cut after 2 s (handles only after 60 s), messages must complete within 1 s of their first byte.</summary>
    private static readonly string QuickIdlePolicy = TestBroker.DefaultPolicy.Replace(
        "\"handleIdleTimeoutSeconds\": 2",
        "\"handleIdleTimeoutSeconds\": 60, \"connectionIdleTimeoutSeconds\": 2, \"messageTimeoutSeconds\": 1",
        StringComparison.Ordinal);

    [TestMethod]
    [DoNotParallelize]
    public async Task A_notification_flood_ends_the_connection_and_leaves_descriptors_bounded()
    {
        await using var broker = await TestBroker.StartAsync();
        string file = Path.Combine(broker.Root, "read", "a.txt");
        File.WriteAllText(file, "a");
        await using (var warmUp = await broker.ConnectAsync())
        {
            Assert.AreEqual("a", await warmUp.ReadTextAsync(file));
        }

        int baseline = await FileSystemFixtures.StableDescriptorCountAsync();
        await using var flooder = await RawConnection.ConnectAuthenticatedAsync(broker);

        // file.open without an id: before the fix each opened a descriptor queued "for the next answer", which never came.
        var notification = Encoding.UTF8.GetBytes($"{{\"jsonrpc\":\"2.0\",\"method\":\"file.open\",\"params\":[{{\"Path\":\"{file}\",\"Mode\":3,\"Access\":1}}]}}");
        try
        {
            for (int i = 0; i < 2000; i++)
            {
                await flooder.WriteFrameAsync(notification);
            }
        }
        catch (IOException)
        {
            // The broker hung up mid-flood: that is the point.
        }

        Assert.IsTrue(await flooder.IsClosedByPeerWithinAsync(Bound), "the broker kept a connection that sent file.open notifications");
        var entry = await AuditTrail.WaitForConnectEventAsync(broker, "protocol-violation");
        Assert.Contains("notification", entry.Arg("detail") ?? string.Empty);
        Assert.AreEqual(1, AuditTrail.Read(broker).Count(e => e.Action == "file.open"), "only the warm-up's open is performed, no notification");

        await flooder.DisposeAsync();
        int current = int.MaxValue;
        Assert.IsTrue(
            await Eventually.TrueWithinAsync(() => (current = FileSystemFixtures.OpenDescriptorCount()) <= baseline + 4, Bound),
            $"the broker holds {current - baseline} more descriptors than before the flood");
        await using var legitimate = await broker.ConnectAsync();
        Assert.AreEqual("a", await legitimate.ReadTextAsync(file).WaitAsync(Bound));
    }

    [TestMethod]
    public async Task Connections_that_never_send_a_hello_do_not_keep_a_new_client_out()
    {
        // Handshakes time out after 30 s here: the silent ones leave only by being dropped for a newcomer.
        await using var broker = await TestBroker.StartAsync(TestBroker.DefaultPolicy.Replace("\"handshakeTimeoutSeconds\": 1", "\"handshakeTimeoutSeconds\": 30", StringComparison.Ordinal));
        string file = Path.Combine(broker.Root, "read", "a.txt");
        File.WriteAllText(file, "a");
        var silent = new List<RawConnection>();
        try
        {
            // The start-up probe (TestBroker waits for the socket by connecting) has left the handshake pool.
            await AuditTrail.WaitForConnectEventAsync(broker, "closed-early");

            // Four times maxConnections: before the fix they held every slot until their handshake timed out.
            for (int i = 0; i < 16; i++)
            {
                silent.Add(await RawConnection.ConnectAsync(broker));
            }

            // Twelve were refused (the pool holds four): only then is the pool surely full of silent ones.
            Assert.IsTrue(
                await Eventually.TrueWithinAsync(() => AuditTrail.Read(broker).Count(e => e.Action == "connect" && e.Outcome == "handshakes-full") >= 12, Bound),
                "the silent connections beyond the pool's four were not refused");

            // A handshake keeps its place for ConnectionSlots.MinHandshakeAge (1 s): until then a newcomer is told to retry.
            TestClient? legitimate = null;
            var clock = Stopwatch.StartNew();
            while (legitimate is null)
            {
                try
                {
                    legitimate = await broker.ConnectAsync();
                }
                catch (PrivSep.Protocol.Handshake.BrokerAuthenticationException ex) when (ex.Message.Contains("try again", StringComparison.Ordinal) && clock.Elapsed < Bound)
                {
                    await Task.Delay(100);
                }
            }

            await using (legitimate)
            {
                Assert.AreEqual("a", await legitimate.ReadTextAsync(file).WaitAsync(Bound));
            }

            await AuditTrail.WaitForConnectEventAsync(broker, "handshake-evicted");
        }
        finally
        {
            foreach (var connection in silent)
            {
                await connection.DisposeAsync();
            }
        }
    }

    [TestMethod]
    public async Task Idle_connections_and_a_half_sent_frame_do_not_keep_a_new_client_out()
    {
        await using var broker = await TestBroker.StartAsync();
        string file = Path.Combine(broker.Root, "read", "a.txt");
        File.WriteAllText(file, "a");
        var idle = new List<TestClient>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                idle.Add(await broker.ConnectAsync());
            }

            // The fourth slot (maxConnections = 4): a frame whose header arrived and whose body never does.
            await using var halfSent = await RawConnection.ConnectAuthenticatedAsync(broker);
            await halfSent.Stream.WriteAsync(new byte[] { 0, 0, 0, 40, (byte)'{' });

            await using var newcomer = await broker.ConnectAsync();

            Assert.AreEqual("a", await newcomer.ReadTextAsync(file).WaitAsync(Bound));
            Assert.IsTrue(
                await Eventually.TrueWithinAsync(() => idle[0].Rpc.Completion.IsCompleted, Bound),
                $"the broker makes room by closing the connection idle the longest (closed: {string.Join(", ", idle.Select(c => c.Rpc.Completion.IsCompleted))})");
            Assert.IsFalse(idle[1].Rpc.Completion.IsCompleted, "only one connection is shed per newcomer");
        }
        finally
        {
            foreach (var client in idle)
            {
                await client.DisposeAsync();
            }
        }
    }

    [TestMethod]
    public async Task Busy_connections_are_not_shed_and_the_newcomer_is_told_why()
    {
        await using var broker = await TestBroker.StartAsync(ExecPolicy.Default.Replace("\"maxConnections\": 8", "\"maxConnections\": 4", StringComparison.Ordinal));
        var busy = new List<TestClient>();
        var commands = new List<ExecTestSession>();
        try
        {
            // A running command is work the client still relies on (its relay keeps an exec.wait going): not sheddable.
            for (int i = 0; i < 4; i++)
            {
                var client = await broker.ConnectAsync();
                busy.Add(client);
                commands.Add(await ExecTestSession.StartAsync(client, "/usr/bin/sh", "-c", "read line"));
            }

            var error = await Assert.ThrowsExactlyAsync<PrivSep.Protocol.Handshake.BrokerAuthenticationException>(() => broker.ConnectAsync());

            Assert.Contains("maxConnections", error.Message);
            await AuditTrail.WaitForConnectEventAsync(broker, "too-many-connections");
            Assert.IsFalse(busy.Any(c => c.Rpc.Completion.IsCompleted), "a connection running a command must not be shed");
        }
        finally
        {
            foreach (var command in commands)
            {
                await command.DisposeAsync();
            }

            foreach (var client in busy)
            {
                await client.DisposeAsync();
            }
        }
    }

    [TestMethod]
    public async Task Connections_holding_only_listings_are_shed_for_a_newcomer()
    {
        await using var broker = await TestBroker.StartAsync(TestBroker.DefaultPolicy.Replace("\"handleIdleTimeoutSeconds\": 2", "\"handleIdleTimeoutSeconds\": 60", StringComparison.Ordinal));
        string directory = Path.Combine(broker.Root, "read");
        File.WriteAllText(Path.Combine(directory, "a.txt"), "a");
        var holding = new List<TestClient>();
        var listings = new List<long>();
        try
        {
            // Before the fix a client kept every slot for itself with one listing per connection, read now and then.
            for (int i = 0; i < 4; i++)
            {
                var client = await broker.ConnectAsync();
                holding.Add(client);
                listings.Add((await client.Service.OpenDirectoryAsync(new PathRequest(directory), CancellationToken.None)).Handle);
            }

            await using var newcomer = await broker.ConnectAsync();

            Assert.AreEqual("a", await newcomer.ReadTextAsync(Path.Combine(directory, "a.txt")).WaitAsync(Bound));
            Assert.IsTrue(
                await Eventually.TrueWithinAsync(() => holding[0].Rpc.Completion.IsCompleted, Bound),
                $"the connection quiet the longest is shed (closed: {string.Join(", ", holding.Select(c => c.Rpc.Completion.IsCompleted))})");
            await AuditTrail.WaitForConnectEventAsync(broker, "shed-for-newcomer");
            var page = await holding[1].Service.ReadDirectoryAsync(new ReadDirectoryRequest(listings[1], 8), CancellationToken.None);
            Assert.IsNotNull(page, "only one connection is shed per newcomer");
        }
        finally
        {
            foreach (var client in holding)
            {
                await client.DisposeAsync();
            }
        }
    }

    [TestMethod]
    public async Task A_silent_connection_flood_at_the_accept_rate_does_not_keep_out_a_slow_agent()
    {
        await using var broker = await TestBroker.StartAsync();
        using var stopFlood = new CancellationTokenSource();
        var flood = Task.Run(() => SilentFloodAsync(broker, stopFlood.Token));
        try
        {
            // Let the flood fill the handshake pool first.
            await Task.Delay(200);
            var clock = Stopwatch.StartNew();
            string? outcome = null;
            while (clock.Elapsed < Bound && outcome != "authenticated")
            {
                outcome = await SlowHandshakeAsync(broker, TimeSpan.FromMilliseconds(300));
            }

            Assert.AreEqual("authenticated", outcome, "an agent taking 300 ms for its handshake never got through the flood");
        }
        finally
        {
            await stopFlood.CancelAsync();
            await flood;
        }
    }

    /// <summary>Connects about 200 times a second (the broker's accept cap) and never says a word; each stays open 2 s.</summary>
    private static async Task SilentFloodAsync(TestBroker broker, CancellationToken stop)
    {
        var open = new Queue<(RawConnection Connection, long Opened)>();
        try
        {
            while (!stop.IsCancellationRequested)
            {
                open.Enqueue((await RawConnection.ConnectAsync(broker), Environment.TickCount64));
                while (open.Count > 0 && Environment.TickCount64 - open.Peek().Opened > 2000)
                {
                    await open.Dequeue().Connection.DisposeAsync();
                }

                await Task.Delay(5, CancellationToken.None);
            }
        }
        finally
        {
            foreach (var (connection, _) in open)
            {
                await connection.DisposeAsync();
            }
        }
    }

    /// <summary>One handshake whose proof comes <paramref name="thinking"/> after the broker's challenge: "authenticated", or what ended it.</summary>
    private static async Task<string> SlowHandshakeAsync(TestBroker broker, TimeSpan thinking)
    {
        await using var agent = await RawConnection.ConnectAsync(broker);
        var secret = new SharedSecret(Encoding.UTF8.GetBytes(TestSecrets.Secret));
        byte[] agentNonce = RandomNumberGenerator.GetBytes(HandshakeWire.NonceLength);
        try
        {
            await agent.Stream.WriteAsync((byte[])[.. HandshakeWire.Magic, .. agentNonce]);
            using var deadline = new CancellationTokenSource(Bound);
            var challenge = new byte[1 + HandshakeWire.NonceLength + HandshakeWire.MacLength];
            await agent.Stream.ReadExactlyAsync(challenge.AsMemory(0, 1), deadline.Token);
            if (challenge[0] != (byte)HandshakeStatus.Proceed)
            {
                return $"refused ({(HandshakeStatus)challenge[0]})";
            }

            await agent.Stream.ReadExactlyAsync(challenge.AsMemory(1), deadline.Token);
            await Task.Delay(thinking);
            var brokerNonce = challenge.AsSpan(1, HandshakeWire.NonceLength).ToArray();
            await agent.Stream.WriteAsync(HandshakeWire.ComputeProof(secret, HandshakeWire.AgentLabel, agentNonce, brokerNonce));
            var status = new byte[1];
            await agent.Stream.ReadExactlyAsync(status, deadline.Token);
            return status[0] == (byte)HandshakeStatus.Proceed ? "authenticated" : $"refused ({(HandshakeStatus)status[0]})";
        }
        catch (Exception ex) when (ex is IOException or EndOfStreamException or System.Net.Sockets.SocketException)
        {
            return $"closed ({ex.GetType().Name})";
        }
    }

    [TestMethod]
    public async Task An_idle_connection_is_closed_after_the_idle_timeout_but_one_holding_a_handle_is_not()
    {
        await using var broker = await TestBroker.StartAsync(QuickIdlePolicy);
        await using var idle = await broker.ConnectAsync();
        await using var holding = await broker.ConnectAsync();
        var listing = await holding.Service.OpenDirectoryAsync(new PathRequest(Path.Combine(broker.Root, "read")), CancellationToken.None);
        var clock = Stopwatch.StartNew();

        await idle.Rpc.Completion.ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(Bound);

        Assert.IsGreaterThanOrEqualTo(TimeSpan.FromSeconds(1.8), clock.Elapsed, "closed before limits.connectionIdleTimeoutSeconds");
        var page = await holding.Service.ReadDirectoryAsync(new ReadDirectoryRequest(listing.Handle, 1), CancellationToken.None);
        Assert.IsNotNull(page);
        await AuditTrail.WaitForConnectEventAsync(broker, "idle-timeout");
    }

    [TestMethod]
    public async Task A_half_sent_frame_ends_the_connection_within_the_message_timeout()
    {
        await using var broker = await TestBroker.StartAsync(QuickIdlePolicy.Replace("\"connectionIdleTimeoutSeconds\": 2", "\"connectionIdleTimeoutSeconds\": 600", StringComparison.Ordinal));
        await using var raw = await RawConnection.ConnectAuthenticatedAsync(broker);

        await raw.Stream.WriteAsync(new byte[] { 0, 0, 0, 40, (byte)'{' });

        Assert.IsTrue(await raw.IsClosedByPeerWithinAsync(Bound), "a frame that never completes must not hold its connection");
        var entry = await AuditTrail.WaitForConnectEventAsync(broker, "protocol-violation");
        Assert.Contains("messageTimeoutSeconds", entry.Arg("detail") ?? string.Empty);
    }
}

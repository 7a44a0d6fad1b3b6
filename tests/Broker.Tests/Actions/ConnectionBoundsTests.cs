using System.Diagnostics;
using System.Text;
using PrivSep.Broker.Tests.Harness;
using PrivSep.Protocol.Contracts;

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
        await using var broker = await TestBroker.StartAsync();
        string file = Path.Combine(broker.Root, "read", "a.txt");
        File.WriteAllText(file, "a");
        var silent = new List<RawConnection>();
        try
        {
            // Four times maxConnections: before the fix they held every slot until their handshake timed out.
            for (int i = 0; i < 16; i++)
            {
                silent.Add(await RawConnection.ConnectAsync(broker));
            }

            await using var legitimate = await broker.ConnectAsync();

            Assert.AreEqual("a", await legitimate.ReadTextAsync(file).WaitAsync(Bound));
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
        await using var broker = await TestBroker.StartAsync(TestBroker.DefaultPolicy.Replace("\"handleIdleTimeoutSeconds\": 2", "\"handleIdleTimeoutSeconds\": 60", StringComparison.Ordinal));
        string directory = Path.Combine(broker.Root, "read");
        var busy = new List<TestClient>();
        try
        {
            // An open listing is state the client still relies on: such a connection is not idle.
            for (int i = 0; i < 4; i++)
            {
                var client = await broker.ConnectAsync();
                busy.Add(client);
                await client.Service.OpenDirectoryAsync(new PathRequest(directory), CancellationToken.None);
            }

            var error = await Assert.ThrowsExactlyAsync<PrivSep.Protocol.Handshake.BrokerAuthenticationException>(() => broker.ConnectAsync());

            Assert.Contains("maxConnections", error.Message);
            await AuditTrail.WaitForConnectEventAsync(broker, "too-many-connections");
            Assert.IsFalse(busy.Any(c => c.Rpc.Completion.IsCompleted), "a connection with open handles must not be shed");
        }
        finally
        {
            foreach (var client in busy)
            {
                await client.DisposeAsync();
            }
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

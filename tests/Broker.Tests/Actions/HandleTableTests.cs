using PrivSep.Broker.Tests.Harness;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Broker.Tests.Actions;

/// <summary>
/// Broker-side state a client holds (directory listings) is bounded per connection and freed on close, on idle
/// timeout and on disconnect. The default test policy: maxOpenHandles 8, handleIdleTimeoutSeconds 2.
/// </summary>
[TestClass]
public sealed class HandleTableTests
{
    [TestMethod]
    public async Task The_handle_beyond_maxOpenHandles_is_refused_until_one_is_closed()
    {
        await using var broker = await TestBroker.StartAsync();
        string directory = Path.Combine(broker.Root, "read");
        await using var client = await broker.ConnectAsync();

        var handles = new List<long>();
        for (int i = 0; i < 8; i++)
        {
            handles.Add((await client.Service.OpenDirectoryAsync(new PathRequest(directory), CancellationToken.None)).Handle);
        }

        Assert.AreEqual(8, handles.Distinct().Count());
        var error = await BrokerAssert.FailsWith(BrokerErrorCode.QuotaExceeded, () => client.Service.OpenDirectoryAsync(new PathRequest(directory), CancellationToken.None));
        Assert.Contains("maxOpenHandles", error.Message);
        Assert.AreEqual(1, AuditTrail.Read(broker).Count(e => e.Action == "dir.open" && e.Outcome == "quota-exceeded"));

        // The quota is per connection: another client has its own.
        await using (var other = await broker.ConnectAsync())
        {
            var own = await other.Service.OpenDirectoryAsync(new PathRequest(directory), CancellationToken.None);
            await other.Service.CloseHandleAsync(new CloseHandleRequest(own.Handle), CancellationToken.None);
        }

        await client.Service.CloseHandleAsync(new CloseHandleRequest(handles[3]), CancellationToken.None);
        var replacement = await client.Service.OpenDirectoryAsync(new PathRequest(directory), CancellationToken.None);
        CollectionAssert.DoesNotContain(handles.Where(h => h != handles[3]).ToList(), replacement.Handle, "a new handle never aliases a live one");

        await BrokerAssert.FailsWith(BrokerErrorCode.InvalidArgument, () => client.Service.ReadDirectoryAsync(new ReadDirectoryRequest(handles[3], 10), CancellationToken.None));
    }

    [TestMethod]
    public async Task A_handle_is_private_to_the_connection_that_opened_it()
    {
        await using var broker = await TestBroker.StartAsync();
        string directory = Path.Combine(broker.Root, "read", "mine");
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "a"), "a");
        await using var owner = await broker.ConnectAsync();
        await using var stranger = await broker.ConnectAsync();

        var opened = await owner.Service.OpenDirectoryAsync(new PathRequest(directory), CancellationToken.None);

        await BrokerAssert.FailsWith(BrokerErrorCode.InvalidArgument, () => stranger.Service.ReadDirectoryAsync(new ReadDirectoryRequest(opened.Handle, 10), CancellationToken.None));
        await BrokerAssert.FailsWith(BrokerErrorCode.InvalidArgument, () => stranger.Service.CloseHandleAsync(new CloseHandleRequest(opened.Handle), CancellationToken.None));

        var page = await owner.Service.ReadDirectoryAsync(new ReadDirectoryRequest(opened.Handle, 10), CancellationToken.None);
        CollectionAssert.AreEqual(new[] { "a" }, page.Entries.Select(e => e.Name).ToArray());
    }

    [TestMethod]
    public async Task An_idle_handle_is_freed_and_a_busy_one_is_kept()
    {
        await using var broker = await TestBroker.StartAsync();
        string directory = Path.Combine(broker.Root, "read", "many");
        Directory.CreateDirectory(directory);
        for (int i = 0; i < 20; i++)
        {
            File.WriteAllText(Path.Combine(directory, $"f{i}"), "x");
        }

        await using var client = await broker.ConnectAsync();
        var idle = await client.Service.OpenDirectoryAsync(new PathRequest(directory), CancellationToken.None);
        var busy = await client.Service.OpenDirectoryAsync(new PathRequest(directory), CancellationToken.None);

        // 4 × 1.1 s: the busy handle is used more often than the 2 s idle timeout, the idle one not at all.
        for (int i = 0; i < 4; i++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(1100));
            var page = await client.Service.ReadDirectoryAsync(new ReadDirectoryRequest(busy.Handle, 1), CancellationToken.None);
            Assert.HasCount(1, page.Entries);
        }

        var error = await BrokerAssert.FailsWith(BrokerErrorCode.InvalidArgument, () => client.Service.ReadDirectoryAsync(new ReadDirectoryRequest(idle.Handle, 1), CancellationToken.None));
        Assert.Contains("idle", error.Message);
        var stillThere = await client.Service.ReadDirectoryAsync(new ReadDirectoryRequest(busy.Handle, 1), CancellationToken.None);
        Assert.HasCount(1, stillThere.Entries);
    }

    [TestMethod]
    [DoNotParallelize]
    public async Task Disconnecting_frees_every_handle_and_descriptor_the_connection_held()
    {
        await using var broker = await TestBroker.StartAsync();
        string directory = Path.Combine(broker.Root, "read");

        // Warm up once, so lazily created runtime descriptors (epoll, etc.) are already in the baseline.
        await using (var warmUp = await broker.ConnectAsync())
        {
            var h = await warmUp.Service.OpenDirectoryAsync(new PathRequest(directory), CancellationToken.None);
            await warmUp.Service.CloseHandleAsync(new CloseHandleRequest(h.Handle), CancellationToken.None);
        }

        int baseline = await FileSystemFixtures.StableDescriptorCountAsync();

        var client = await broker.ConnectAsync();
        for (int i = 0; i < 6; i++)
        {
            await client.Service.OpenDirectoryAsync(new PathRequest(directory), CancellationToken.None);
        }

        int withListings = FileSystemFixtures.OpenDescriptorCount();
        Assert.IsGreaterThanOrEqualTo(baseline + 6, withListings, "six open listings must hold at least six broker descriptors");

        await client.DisposeAsync();

        int current = int.MaxValue;
        bool released = await Eventually.TrueWithinAsync(() => (current = FileSystemFixtures.OpenDescriptorCount()) <= baseline, TimeSpan.FromSeconds(5));
        Assert.IsTrue(released, $"after the client disconnected the broker still holds {current - baseline} more descriptors than before (baseline {baseline}, with listings {withListings})");

        // The broker serves a new connection normally afterwards.
        await using var again = await broker.ConnectAsync();
        var fresh = await again.Service.OpenDirectoryAsync(new PathRequest(directory), CancellationToken.None);
        await again.Service.CloseHandleAsync(new CloseHandleRequest(fresh.Handle), CancellationToken.None);
    }

    [TestMethod]
    public async Task Closing_a_handle_frees_it_and_closing_it_again_is_an_invalid_argument()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectAsync();
        var opened = await client.Service.OpenDirectoryAsync(new PathRequest(Path.Combine(broker.Root, "read")), CancellationToken.None);

        await client.Service.CloseHandleAsync(new CloseHandleRequest(opened.Handle), CancellationToken.None);

        await BrokerAssert.FailsWith(BrokerErrorCode.InvalidArgument, () => client.Service.CloseHandleAsync(new CloseHandleRequest(opened.Handle), CancellationToken.None));
        await BrokerAssert.FailsWith(BrokerErrorCode.InvalidArgument, () => client.Service.ReadDirectoryAsync(new ReadDirectoryRequest(opened.Handle, 1), CancellationToken.None));
        await BrokerAssert.FailsWith(BrokerErrorCode.InvalidArgument, () => client.Service.ReadDirectoryAsync(new ReadDirectoryRequest(12345, 1), CancellationToken.None));
        await BrokerAssert.FailsWith(BrokerErrorCode.InvalidArgument, () => client.Service.ReadDirectoryAsync(new ReadDirectoryRequest(-1, 1), CancellationToken.None));
    }
}

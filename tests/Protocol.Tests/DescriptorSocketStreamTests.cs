using Microsoft.Win32.SafeHandles;
using PrivSep.Protocol.Transport;

namespace PrivSep.Protocol.Tests;

[TestClass]
public sealed class DescriptorSocketStreamTests
{
    [TestMethod]
    public async Task Descriptors_beyond_the_queue_bound_are_closed_and_refused()
    {
        using var pair = await SocketPair.CreateAsync();
        await using var sender = new DescriptorSocketStream(pair.Server, acceptDescriptors: false, maxPendingDescriptors: 2);
        sender.EnqueueDescriptor(File.OpenHandle("/dev/null"));
        sender.EnqueueDescriptor(File.OpenHandle("/dev/null"));
        var third = File.OpenHandle("/dev/null");

        // Nothing is sent until the next write: a peer that gets the broker to queue without writing must hit a wall.
        var ex = Assert.ThrowsExactly<IOException>(() => sender.EnqueueDescriptor(third));

        StringAssert.Contains(ex.Message, "2 descriptors");
        Assert.IsTrue(third.IsClosed, "a refused descriptor must be closed, not leaked");
    }

    [TestMethod]
    public async Task Descriptors_arrive_in_order_with_their_sequence_numbers_and_read_the_right_files()
    {
        using var pair = await SocketPair.CreateAsync();
        await using var sender = new DescriptorSocketStream(pair.Server, acceptDescriptors: false);
        await using var receiver = new DescriptorSocketStream(pair.Client, acceptDescriptors: true);
        string dir = Directory.CreateTempSubdirectory("privsep-fds-").FullName;
        try
        {
            var sequences = new List<long>();
            for (int i = 0; i < 40; i++)
            {
                string file = Path.Combine(dir, $"f{i}");
                File.WriteAllText(file, $"content {i}");
                sequences.Add(sender.EnqueueDescriptor(File.OpenHandle(file)));
            }

            CollectionAssert.AreEqual(Enumerable.Range(0, 40).Select(i => (long)i).ToList(), sequences);
            await sender.WriteAsync("payload"u8.ToArray());

            var received = new byte[64];
            int total = 0;
            while (total < 7)
            {
                total += await receiver.ReadAsync(received.AsMemory(total));
            }

            Assert.AreEqual("payload", System.Text.Encoding.ASCII.GetString(received, 0, total));
            for (int i = 39; i >= 0; i--)
            {
                using var stream = new FileStream(receiver.Received.Take(i), FileAccess.Read);
                using var reader = new StreamReader(stream);
                Assert.AreEqual($"content {i}", await reader.ReadToEndAsync());
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestMethod]
    public async Task A_descriptor_queued_before_a_write_is_available_when_that_write_is_read()
    {
        using var pair = await SocketPair.CreateAsync();
        await using var sender = new DescriptorSocketStream(pair.Server, acceptDescriptors: false);
        await using var receiver = new DescriptorSocketStream(pair.Client, acceptDescriptors: true);
        long sequence = sender.EnqueueDescriptor(File.OpenHandle("/proc/self/status"));
        await sender.WriteAsync(new byte[] { 42 });

        var one = new byte[1];
        Assert.AreEqual(1, await receiver.ReadAsync(one));
        using SafeFileHandle handle = receiver.Received.Take(sequence);
        Assert.IsFalse(handle.IsInvalid);
    }

    [TestMethod]
    public async Task Received_descriptors_are_close_on_exec()
    {
        using var pair = await SocketPair.CreateAsync();
        await using var sender = new DescriptorSocketStream(pair.Server, acceptDescriptors: false);
        await using var receiver = new DescriptorSocketStream(pair.Client, acceptDescriptors: true);
        sender.EnqueueDescriptor(File.OpenHandle("/proc/self/status"));
        await sender.WriteAsync(new byte[] { 1 });
        Assert.AreEqual(1, await receiver.ReadAsync(new byte[1]));
        using var handle = receiver.Received.Take(0);
        string fdinfo = File.ReadAllText($"/proc/self/fdinfo/{handle.DangerousGetHandle()}");
        string flags = fdinfo.Split('\n').First(l => l.StartsWith("flags:", StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[1];
        Assert.AreNotEqual(0, Convert.ToInt32(flags, 8) & 0x80000, "O_CLOEXEC must be set (MSG_CMSG_CLOEXEC)");
    }

    [TestMethod]
    public async Task A_side_that_never_accepts_descriptors_refuses_them_and_ends_the_stream()
    {
        using var pair = await SocketPair.CreateAsync();
        await using var agent = new DescriptorSocketStream(pair.Client, acceptDescriptors: true);
        await using var broker = new DescriptorSocketStream(pair.Server, acceptDescriptors: false);
        agent.EnqueueDescriptor(File.OpenHandle("/proc/self/status"));
        await agent.WriteAsync(new byte[] { 7 });

        var ex = await Assert.ThrowsExactlyAsync<IOException>(async () => _ = await broker.ReadAsync(new byte[8]));
        StringAssert.Contains(ex.Message, "never accepts");
    }

    [TestMethod]
    public async Task Unclaimed_descriptors_are_bounded_and_a_missing_one_is_a_protocol_error()
    {
        using var pair = await SocketPair.CreateAsync();
        await using var sender = new DescriptorSocketStream(pair.Server, acceptDescriptors: false);
        await using var receiver = new DescriptorSocketStream(pair.Client, acceptDescriptors: true);
        int count = ReceivedDescriptors.MaxUnclaimed + 10;
        for (int i = 0; i < count; i++)
        {
            sender.EnqueueDescriptor(File.OpenHandle("/proc/self/status"));
        }

        await sender.WriteAsync(new byte[count]);
        int read = 0;
        var buffer = new byte[count];
        while (read < count)
        {
            read += await receiver.ReadAsync(buffer.AsMemory(read));
        }

        Assert.AreEqual(ReceivedDescriptors.MaxUnclaimed, receiver.Received.UnclaimedCount);
        Assert.ThrowsExactly<IOException>(() => receiver.Received.Take(0));
        receiver.Received.Take(count - 1).Dispose();
    }
}

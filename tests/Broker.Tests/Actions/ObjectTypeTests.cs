using System.Diagnostics;
using PrivSep.Broker.Tests.Harness;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Broker.Tests.Actions;

/// <summary>Only regular files are served: a FIFO would block the broker, a device or socket is not a file to hand out.</summary>
[TestClass]
public sealed class ObjectTypeTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);

    [TestMethod]
    public async Task A_fifo_inside_a_read_root_is_refused_at_once_and_the_broker_keeps_serving()
    {
        await using var broker = await TestBroker.StartAsync();
        string fifo = Path.Combine(broker.Root, "read", "pipe");
        FileSystemFixtures.MakeFifo(fifo);
        File.WriteAllText(Path.Combine(broker.Root, "read", "ok.txt"), "still here");
        await using var client = await broker.ConnectAsync();

        var clock = Stopwatch.StartNew();
        var error = await BrokerAssert.FailsWith(BrokerErrorCode.NotSupportedObject, () => client.ReadTextAsync(fifo).WaitAsync(Bound));
        Assert.IsLessThan(Bound, clock.Elapsed);
        Assert.Contains("FIFO", error.Message);

        Assert.AreEqual("still here", await client.ReadTextAsync(Path.Combine(broker.Root, "read", "ok.txt")).WaitAsync(Bound));
        AuditTrail.Single(broker, "file.open", "path", fifo, "deny", "unsupported-object");
    }

    [TestMethod]
    public async Task A_fifo_inside_the_sandbox_is_never_opened_for_writing()
    {
        await using var broker = await TestBroker.StartAsync();
        string fifo = Path.Combine(broker.Root, "sandbox", "pipe");
        FileSystemFixtures.MakeFifo(fifo);
        await using var client = await broker.ConnectAsync();

        foreach (var mode in new[] { FileMode.Open, FileMode.Create, FileMode.OpenOrCreate, FileMode.Append, FileMode.Truncate })
        {
            await BrokerAssert.FailsWith(BrokerErrorCode.NotSupportedObject, () => client.WriteTextAsync(fifo, "x", mode).WaitAsync(Bound));
        }

        // The stat of a FIFO only looks at it; it must not block either.
        var status = await client.Service.GetFileStatusAsync(new PathRequest(fifo), CancellationToken.None).WaitAsync(Bound);
        Assert.AreEqual(FileSystemEntryKind.Other, status.Kind);
    }

    [TestMethod]
    public async Task A_symlink_to_a_device_is_refused_even_when_a_rule_names_the_device()
    {
        const string policy = """
            {
              "version": 1,
              "agents": { "users": ["root"] },
              "files": { "read": ["{root}/read/**", "/dev/null", "/dev/zero"], "write": ["{root}/sandbox/**"], "deny": [] },
              "ping": { "targets": [] },
              "limits": { "handshakeTimeoutSeconds": 1 }
            }
            """;
        await using var broker = await TestBroker.StartAsync(policy);
        string link = Path.Combine(broker.Root, "read", "null");
        File.CreateSymbolicLink(link, "/dev/null");
        await using var client = await broker.ConnectAsync();

        await BrokerAssert.FailsWith(BrokerErrorCode.NotSupportedObject, () => client.ReadTextAsync(link).WaitAsync(Bound));
        await BrokerAssert.FailsWith(BrokerErrorCode.NotSupportedObject, () => client.ReadTextAsync("/dev/zero").WaitAsync(Bound));
        AuditTrail.Single(broker, "file.open", "path", link, "deny", "unsupported-object");
    }

    [TestMethod]
    public async Task A_device_node_made_inside_a_read_root_or_the_sandbox_is_refused()
    {
        RequiresRoot.Check();
        await using var broker = await TestBroker.StartAsync();
        string readDevice = Path.Combine(broker.Root, "read", "mem-like");
        FileSystemFixtures.MakeCharDevice(readDevice, 1, 3); // the same device as /dev/null
        string sandboxDevice = Path.Combine(broker.Root, "sandbox", "dev");
        FileSystemFixtures.MakeCharDevice(sandboxDevice, 1, 3);
        await using var client = await broker.ConnectAsync();

        await BrokerAssert.FailsWith(BrokerErrorCode.NotSupportedObject, () => client.ReadTextAsync(readDevice).WaitAsync(Bound));
        await BrokerAssert.FailsWith(BrokerErrorCode.NotSupportedObject, () => client.WriteTextAsync(sandboxDevice, "x", FileMode.Open).WaitAsync(Bound));
        await BrokerAssert.FailsWith(BrokerErrorCode.NotSupportedObject, () => client.WriteTextAsync(sandboxDevice, "x", FileMode.Create).WaitAsync(Bound));
    }

    [TestMethod]
    public async Task A_unix_socket_file_is_refused()
    {
        await using var broker = await TestBroker.StartAsync();
        string socket = Path.Combine(broker.Root, "read", "sock");
        using var readSocket = FileSystemFixtures.MakeSocketFile(socket);
        string sandboxSocket = Path.Combine(broker.Root, "sandbox", "sock");
        using var writeSocket = FileSystemFixtures.MakeSocketFile(sandboxSocket);
        Assert.IsTrue(File.Exists(socket) && File.Exists(sandboxSocket));
        await using var client = await broker.ConnectAsync();

        await BrokerAssert.FailsWith(BrokerErrorCode.NotSupportedObject, () => client.ReadTextAsync(socket).WaitAsync(Bound));
        await BrokerAssert.FailsWith(BrokerErrorCode.NotSupportedObject, () => client.WriteTextAsync(sandboxSocket, "x", FileMode.Open).WaitAsync(Bound));
    }

    [TestMethod]
    public async Task A_directory_opened_as_a_file_is_IsDirectory()
    {
        await using var broker = await TestBroker.StartAsync();
        string directory = Path.Combine(broker.Root, "read", "sub");
        Directory.CreateDirectory(directory);
        Directory.CreateDirectory(Path.Combine(broker.Root, "sandbox", "sub"));
        await using var client = await broker.ConnectAsync();

        await BrokerAssert.FailsWith(BrokerErrorCode.IsDirectory, () => client.ReadTextAsync(directory));
        await BrokerAssert.FailsWith(BrokerErrorCode.IsDirectory, () => client.WriteTextAsync(Path.Combine(broker.Root, "sandbox", "sub"), "x", FileMode.Open));
        await BrokerAssert.FailsWith(BrokerErrorCode.IsDirectory, () => client.WriteTextAsync(Path.Combine(broker.Root, "sandbox", "sub"), "x", FileMode.Create));
        Assert.IsTrue(Directory.Exists(Path.Combine(broker.Root, "sandbox", "sub")));
    }

    [TestMethod]
    public async Task The_write_root_itself_opened_as_a_file_is_IsDirectory()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectAsync();

        await BrokerAssert.FailsWith(BrokerErrorCode.IsDirectory, () => client.WriteTextAsync(Path.Combine(broker.Root, "sandbox"), "x", FileMode.Create));
        await BrokerAssert.FailsWith(BrokerErrorCode.IsDirectory, () => client.WriteTextAsync(Path.Combine(broker.Root, "sandbox"), "x", FileMode.Open));
        Assert.IsTrue(Directory.Exists(Path.Combine(broker.Root, "sandbox")));
    }
}

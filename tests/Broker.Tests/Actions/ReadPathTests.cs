using PrivSep.Broker.Tests.Harness;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Broker.Tests.Actions;

/// <summary>Reading through the broker: what the policy lets through, checked on the object actually opened.</summary>
[TestClass]
public sealed class ReadPathTests
{
    [TestMethod]
    public async Task A_root_only_file_under_a_read_rule_is_read_through_the_passed_descriptor()
    {
        await using var broker = await TestBroker.StartAsync();
        string path = Path.Combine(broker.Root, "read", "secret.conf");
        File.WriteAllText(path, "password=hunter2");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await using var client = await broker.ConnectAsync();

        var response = await client.Service.OpenFileAsync(new OpenFileRequest(path, FileMode.Open, FileAccess.Read), CancellationToken.None);
        using var handle = client.Stream.Received.Take(response.DescriptorSequence);
        using var stream = new FileStream(handle, FileAccess.Read);
        using var reader = new StreamReader(stream);

        Assert.AreEqual("password=hunter2", await reader.ReadToEndAsync());
        Assert.AreEqual(path, response.ResolvedPath);
        Assert.IsFalse(stream.CanWrite, "a read open must hand back a read-only descriptor");
    }

    [TestMethod]
    public async Task A_read_only_descriptor_cannot_be_written_through()
    {
        await using var broker = await TestBroker.StartAsync();
        string path = Path.Combine(broker.Root, "read", "a.txt");
        File.WriteAllText(path, "original");
        await using var client = await broker.ConnectAsync();

        using var handle = await client.OpenAsync(path);

        // The descriptor itself is O_RDONLY: even wrapped for writing, the kernel refuses the write.
        Assert.ThrowsExactly<UnauthorizedAccessException>(() =>
        {
            using var writable = new FileStream(handle, FileAccess.Write);
            writable.Write("changed"u8);
            writable.Flush();
        });
        Assert.AreEqual("original", File.ReadAllText(path));
    }

    [TestMethod]
    public async Task A_path_under_a_deny_rule_is_refused_naming_the_rule()
    {
        await using var broker = await TestBroker.StartAsync();
        string path = Path.Combine(broker.Root, "read", "denied", "x.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "top secret");
        await using var client = await broker.ConnectAsync();

        var error = await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.ReadTextAsync(path));

        Assert.Contains($"files.deny[0] \"{broker.Root}/read/denied/**\"", error.Message);
        Assert.Contains(path, error.Message);
        var entry = AuditTrail.Single(broker, "file.open", "path", path, "deny", "denied");
        Assert.AreEqual($"files.deny[0] \"{broker.Root}/read/denied/**\"", entry.Rule);
    }

    [TestMethod]
    public async Task A_file_outside_every_rule_is_refused()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectAsync();

        var shadow = await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.ReadTextAsync("/etc/shadow"));
        Assert.Contains("default deny", shadow.Message);

        string beside = Path.Combine(broker.Root, "secret-outside");
        File.WriteAllText(beside, "SECRET");
        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.ReadTextAsync(beside));
    }

    [TestMethod]
    public async Task A_symlink_inside_a_read_root_pointing_outside_is_refused_on_its_resolved_path()
    {
        await using var broker = await TestBroker.StartAsync();
        string secret = Path.Combine(broker.Root, "secret-outside");
        File.WriteAllText(secret, "SECRET");
        string link = Path.Combine(broker.Root, "read", "innocent.txt");
        File.CreateSymbolicLink(link, secret);
        await using var client = await broker.ConnectAsync();

        var error = await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.ReadTextAsync(link));

        Assert.Contains(secret, error.Message, "the denial must name the resolved path, which is what was checked");
        var entry = AuditTrail.Single(broker, "file.open", "path", link, "deny", "denied");
        Assert.AreEqual(secret, entry.Path, "the audit line records the path actually opened");
    }

    [TestMethod]
    public async Task A_symlink_inside_a_read_root_to_another_file_inside_it_is_followed()
    {
        await using var broker = await TestBroker.StartAsync();
        string target = Path.Combine(broker.Root, "read", "real.txt");
        File.WriteAllText(target, "real content");
        string link = Path.Combine(broker.Root, "read", "alias.txt");
        File.CreateSymbolicLink(link, "real.txt");
        await using var client = await broker.ConnectAsync();

        var response = await client.Service.OpenFileAsync(new OpenFileRequest(link, FileMode.Open, FileAccess.Read), CancellationToken.None);
        client.Stream.Received.Take(response.DescriptorSequence).Dispose();

        Assert.AreEqual(target, response.ResolvedPath);
        Assert.AreEqual("real content", await client.ReadTextAsync(link));
    }

    [TestMethod]
    public async Task A_symlink_to_a_denied_file_inside_the_read_root_is_refused()
    {
        await using var broker = await TestBroker.StartAsync();
        Directory.CreateDirectory(Path.Combine(broker.Root, "read", "denied"));
        string target = Path.Combine(broker.Root, "read", "denied", "key");
        File.WriteAllText(target, "KEY");
        string link = Path.Combine(broker.Root, "read", "key-alias");
        File.CreateSymbolicLink(link, target);
        await using var client = await broker.ConnectAsync();

        var error = await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.ReadTextAsync(link));
        Assert.Contains("files.deny[0]", error.Message);
    }

    [TestMethod]
    public async Task A_missing_file_is_reported_missing_only_where_the_client_may_read()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectAsync();

        await BrokerAssert.FailsWith(BrokerErrorCode.NotFound, () => client.ReadTextAsync(Path.Combine(broker.Root, "read", "missing.txt")));

        // Outside every rule, "missing" and "present" must look the same: both denied.
        string outsideMissing = Path.Combine(broker.Root, "elsewhere", "missing.txt");
        string outsidePresent = Path.Combine(broker.Root, "present.txt");
        File.WriteAllText(outsidePresent, "x");
        var missing = await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.ReadTextAsync(outsideMissing));
        var present = await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.ReadTextAsync(outsidePresent));
        Assert.AreEqual(missing.Message.Replace(outsideMissing, "P", StringComparison.Ordinal), present.Message.Replace(outsidePresent, "P", StringComparison.Ordinal));

        // The same for a missing file under a deny rule.
        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.ReadTextAsync(Path.Combine(broker.Root, "read", "denied", "nothing-here")));

        // And for file.stat: existence is not told outside the policy.
        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.Service.GetFileStatusAsync(new PathRequest(outsideMissing), CancellationToken.None));
        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.Service.GetFileStatusAsync(new PathRequest(outsidePresent), CancellationToken.None));
        var inside = await client.Service.GetFileStatusAsync(new PathRequest(Path.Combine(broker.Root, "read", "missing.txt")), CancellationToken.None);
        Assert.IsFalse(inside.Exists);
    }

    [TestMethod]
    public async Task A_directory_or_special_file_outside_every_rule_is_denied_not_described()
    {
        await using var broker = await TestBroker.StartAsync();
        string outsideDirectory = Path.Combine(broker.Root, "private-dir");
        Directory.CreateDirectory(outsideDirectory);
        string outsideFifo = Path.Combine(broker.Root, "private-fifo");
        FileSystemFixtures.MakeFifo(outsideFifo);
        await using var client = await broker.ConnectAsync();

        // A missing path outside the policy is PolicyDenied; an existing directory or FIFO there must look the same,
        // or the broker tells an unprivileged client what exists (and of which type) where it may not look.
        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.ReadTextAsync(outsideDirectory));
        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.ReadTextAsync("/root"));
        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.ReadTextAsync(outsideFifo).WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [TestMethod]
    public async Task A_missing_name_below_a_symlink_pointing_outside_is_denied_not_reported_missing()
    {
        await using var broker = await TestBroker.StartAsync();
        string outside = Path.Combine(broker.Root, "outside-dir");
        Directory.CreateDirectory(outside);
        File.WriteAllText(Path.Combine(outside, "present.txt"), "x");
        string link = Path.Combine(broker.Root, "read", "peek");
        File.CreateSymbolicLink(link, outside);
        await using var client = await broker.ConnectAsync();

        // read/peek/present.txt resolves outside: denied. read/peek/absent.txt must be denied too, or the
        // client learns which names exist in a directory the policy does not let it read.
        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.ReadTextAsync(Path.Combine(link, "present.txt")));
        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.ReadTextAsync(Path.Combine(link, "absent.txt")));
    }

    [TestMethod]
    [DataRow("{root}/read/../secret-outside", DisplayName = "dot-dot")]
    [DataRow("{root}/read/./a.txt", DisplayName = "dot")]
    [DataRow("{root}/read//a.txt", DisplayName = "empty segment")]
    [DataRow("read/a.txt", DisplayName = "relative")]
    [DataRow("a.txt", DisplayName = "bare name")]
    [DataRow("", DisplayName = "empty")]
    [DataRow("{root}/read/a.txt\0/x", DisplayName = "NUL")]
    public async Task A_path_that_is_not_normalized_and_absolute_is_an_invalid_argument(string template)
    {
        await using var broker = await TestBroker.StartAsync();
        File.WriteAllText(Path.Combine(broker.Root, "read", "a.txt"), "a");
        File.WriteAllText(Path.Combine(broker.Root, "secret-outside"), "SECRET");
        string path = template.Replace("{root}", broker.Root, StringComparison.Ordinal);
        await using var client = await broker.ConnectAsync();

        await BrokerAssert.FailsWith(BrokerErrorCode.InvalidArgument, () => client.ReadTextAsync(path));
        await BrokerAssert.FailsWith(BrokerErrorCode.InvalidArgument, () => client.Service.GetFileStatusAsync(new PathRequest(path), CancellationToken.None));
        await BrokerAssert.FailsWith(BrokerErrorCode.InvalidArgument, () => client.WriteTextAsync(path.Replace("/read/", "/sandbox/", StringComparison.Ordinal), "x"));
    }

    [TestMethod]
    public async Task A_path_longer_than_path_max_is_an_invalid_argument()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectAsync();
        string path = Path.Combine(broker.Root, "read", new string('a', 200)) + string.Concat(Enumerable.Repeat("/" + new string('b', 200), 25));

        await BrokerAssert.FailsWith(BrokerErrorCode.InvalidArgument, () => client.ReadTextAsync(path));
    }

    [TestMethod]
    public async Task A_trailing_slash_on_a_directory_names_that_directory()
    {
        await using var broker = await TestBroker.StartAsync();
        string directory = Path.Combine(broker.Root, "read", "sub");
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "inner.txt"), "inner");
        await using var client = await broker.ConnectAsync();

        var status = await client.Service.GetFileStatusAsync(new PathRequest(directory + "/"), CancellationToken.None);
        Assert.AreEqual(FileSystemEntryKind.Directory, status.Kind);
        Assert.AreEqual(directory, status.ResolvedPath);

        var listing = await client.Service.OpenDirectoryAsync(new PathRequest(directory + "/"), CancellationToken.None);
        Assert.AreEqual(directory, listing.ResolvedPath);
        var page = await client.Service.ReadDirectoryAsync(new ReadDirectoryRequest(listing.Handle, 10), CancellationToken.None);
        CollectionAssert.AreEqual(new[] { "inner.txt" }, page.Entries.Select(e => e.Name).ToArray());

        await BrokerAssert.FailsWith(BrokerErrorCode.IsDirectory, () => client.ReadTextAsync(directory + "/"));

        // The denied directory with a trailing slash is still the denied directory.
        Directory.CreateDirectory(Path.Combine(broker.Root, "read", "denied"));
        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.Service.OpenDirectoryAsync(new PathRequest(Path.Combine(broker.Root, "read", "denied") + "/"), CancellationToken.None));
    }

    [TestMethod]
    public async Task A_sibling_whose_name_extends_the_write_root_is_neither_writable_nor_readable()
    {
        await using var broker = await TestBroker.StartAsync();
        string evil = Path.Combine(broker.Root, "sandbox-evil");
        Directory.CreateDirectory(evil);
        string existing = Path.Combine(evil, "existing.txt");
        File.WriteAllText(existing, "evil twin");
        await using var client = await broker.ConnectAsync();

        string target = Path.Combine(evil, "x");
        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.WriteTextAsync(target, "escaped"));
        Assert.IsFalse(File.Exists(target), "nothing may be created in the look-alike directory");
        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.Service.CreateDirectoryAsync(new CreateDirectoryRequest(Path.Combine(evil, "d")), CancellationToken.None));
        Assert.IsFalse(Directory.Exists(Path.Combine(evil, "d")));
        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.Service.DeleteFileAsync(new PathRequest(existing), CancellationToken.None));
        Assert.IsTrue(File.Exists(existing));

        // Write rules imply read, but only of the sandbox itself.
        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.ReadTextAsync(existing));
        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.Service.OpenDirectoryAsync(new PathRequest(evil), CancellationToken.None));
    }

    [TestMethod]
    public async Task A_sibling_whose_name_extends_a_read_root_is_not_readable()
    {
        const string policy = """
            {
              "version": 1,
              "agents": { "users": ["root"] },
              "files": { "read": ["{root}/sandbox/**"], "write": [], "deny": [] },
              "ping": { "targets": [] },
              "limits": { "handshakeTimeoutSeconds": 1 }
            }
            """;
        await using var broker = await TestBroker.StartAsync(policy);
        string evil = Path.Combine(broker.Root, "sandbox-evil");
        Directory.CreateDirectory(evil);
        File.WriteAllText(Path.Combine(evil, "x"), "evil");
        File.WriteAllText(Path.Combine(broker.Root, "sandbox", "x"), "good");
        await using var client = await broker.ConnectAsync();

        Assert.AreEqual("good", await client.ReadTextAsync(Path.Combine(broker.Root, "sandbox", "x")));
        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.ReadTextAsync(Path.Combine(evil, "x")));
        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.WriteTextAsync(Path.Combine(broker.Root, "sandbox", "y"), "no write rule"));
        Assert.IsFalse(File.Exists(Path.Combine(broker.Root, "sandbox", "y")));
    }
}

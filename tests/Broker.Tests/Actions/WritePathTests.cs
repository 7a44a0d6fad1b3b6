using PrivSep.Broker.Tests.Harness;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Broker.Tests.Actions;

/// <summary>Writing through the broker: only strictly beneath a files.write root, never through a link, never a hard-linked file.</summary>
[TestClass]
public sealed class WritePathTests
{
    [TestMethod]
    public async Task Create_writes_a_new_file_inside_the_sandbox()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectAsync();
        string path = Path.Combine(broker.Root, "sandbox", "new.txt");

        await client.WriteTextAsync(path, "hello");

        Assert.AreEqual("hello", File.ReadAllText(path));
        var entry = AuditTrail.Single(broker, "file.open", "path", path, "allow", "ok");
        Assert.AreEqual($"files.write[0] \"{broker.Root}/sandbox/**\"", entry.Rule);
        Assert.AreEqual("Create", entry.Arg("mode"));
        Assert.AreEqual("Write", entry.Arg("access"));
    }

    [TestMethod]
    public async Task Create_on_an_existing_file_truncates_it()
    {
        await using var broker = await TestBroker.StartAsync();
        string path = Path.Combine(broker.Root, "sandbox", "existing.txt");
        File.WriteAllText(path, "a much longer original content");
        await using var client = await broker.ConnectAsync();

        await client.WriteTextAsync(path, "short");

        Assert.AreEqual("short", File.ReadAllText(path));

        await client.WriteTextAsync(path, "t", FileMode.Truncate);
        Assert.AreEqual("t", File.ReadAllText(path));
    }

    [TestMethod]
    public async Task Truncating_modes_on_a_denied_file_leave_it_untouched()
    {
        await using var broker = await TestBroker.StartAsync();
        string denied = Path.Combine(broker.Root, "sandbox", "denied.txt");
        File.WriteAllText(denied, "KEEP ME");
        await using var client = await broker.ConnectAsync();

        foreach (var mode in new[] { FileMode.Create, FileMode.Truncate, FileMode.Open, FileMode.OpenOrCreate, FileMode.Append })
        {
            var error = await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.WriteTextAsync(denied, "overwritten", mode));
            Assert.Contains($"files.deny[1] \"{broker.Root}/sandbox/denied.txt\"", error.Message);
        }

        Assert.AreEqual("KEEP ME", File.ReadAllText(denied), "the check must come before any truncation");
        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.Service.DeleteFileAsync(new PathRequest(denied), CancellationToken.None));
        Assert.IsTrue(File.Exists(denied));
    }

    [TestMethod]
    public async Task Append_adds_at_the_end()
    {
        await using var broker = await TestBroker.StartAsync();
        string path = Path.Combine(broker.Root, "sandbox", "log.txt");
        File.WriteAllText(path, "line1\n");
        await using var client = await broker.ConnectAsync();

        await client.WriteTextAsync(path, "line2\n", FileMode.Append);
        await client.WriteTextAsync(Path.Combine(broker.Root, "sandbox", "fresh.txt"), "first\n", FileMode.Append);

        Assert.AreEqual("line1\nline2\n", File.ReadAllText(path));
        Assert.AreEqual("first\n", File.ReadAllText(Path.Combine(broker.Root, "sandbox", "fresh.txt")));
    }

    [TestMethod]
    public async Task CreateNew_on_an_existing_file_is_AlreadyExists_and_Open_on_a_missing_file_is_NotFound()
    {
        await using var broker = await TestBroker.StartAsync();
        string existing = Path.Combine(broker.Root, "sandbox", "existing.txt");
        File.WriteAllText(existing, "keep");
        await using var client = await broker.ConnectAsync();

        await BrokerAssert.FailsWith(BrokerErrorCode.AlreadyExists, () => client.WriteTextAsync(existing, "x", FileMode.CreateNew));
        Assert.AreEqual("keep", File.ReadAllText(existing));

        string missing = Path.Combine(broker.Root, "sandbox", "missing.txt");
        await BrokerAssert.FailsWith(BrokerErrorCode.NotFound, () => client.WriteTextAsync(missing, "x", FileMode.Open));
        await BrokerAssert.FailsWith(BrokerErrorCode.NotFound, () => client.WriteTextAsync(missing, "x", FileMode.Truncate));
        Assert.IsFalse(File.Exists(missing));
    }

    [TestMethod]
    public async Task A_missing_directory_is_reported_as_DirectoryNotFound()
    {
        await using var broker = await TestBroker.StartAsync();
        File.WriteAllText(Path.Combine(broker.Root, "read", "f.txt"), "f");
        await using var client = await broker.ConnectAsync();

        await BrokerAssert.FailsWith(BrokerErrorCode.DirectoryNotFound, () => client.WriteTextAsync(Path.Combine(broker.Root, "sandbox", "no-dir", "f.txt"), "x"));
        await BrokerAssert.FailsWith(BrokerErrorCode.DirectoryNotFound, () => client.Service.DeleteDirectoryAsync(new PathRequest(Path.Combine(broker.Root, "sandbox", "never")), CancellationToken.None));
        await BrokerAssert.FailsWith(BrokerErrorCode.DirectoryNotFound, () => client.Service.OpenDirectoryAsync(new PathRequest(Path.Combine(broker.Root, "read", "missing")), CancellationToken.None));
        await BrokerAssert.FailsWith(BrokerErrorCode.DirectoryNotFound, () => client.Service.OpenDirectoryAsync(new PathRequest(Path.Combine(broker.Root, "read", "f.txt")), CancellationToken.None));
    }

    [TestMethod]
    public async Task A_write_outside_every_write_root_is_refused_and_creates_nothing()
    {
        await using var broker = await TestBroker.StartAsync();
        string outside = Path.Combine(broker.Root, "outside");
        Directory.CreateDirectory(outside);
        await using var client = await broker.ConnectAsync();

        foreach (string path in new[] { Path.Combine(outside, "new.txt"), Path.Combine(broker.Root, "read", "new.txt"), Path.Combine(broker.Root, "new.txt"), "/etc/privsep-test-should-not-exist" })
        {
            foreach (var mode in new[] { FileMode.CreateNew, FileMode.Create, FileMode.OpenOrCreate, FileMode.Append })
            {
                await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.WriteTextAsync(path, "x", mode));
            }

            Assert.IsFalse(File.Exists(path), $"{path} must not have been created");
        }

        // Opening a readable file for writing is a write, and read rules do not grant it.
        string readable = Path.Combine(broker.Root, "read", "r.txt");
        File.WriteAllText(readable, "read only");
        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.OpenAsync(readable, FileMode.Open, FileAccess.ReadWrite));
        Assert.AreEqual("read only", File.ReadAllText(readable));
    }

    [TestMethod]
    public async Task A_write_to_a_denied_name_inside_the_sandbox_is_refused()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectAsync();
        string denied = Path.Combine(broker.Root, "sandbox", "denied.txt");

        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.WriteTextAsync(denied, "x"));

        Assert.IsFalse(File.Exists(denied));
        var entry = AuditTrail.Single(broker, "file.open", "path", denied, "deny", "denied");
        Assert.AreEqual($"files.deny[1] \"{broker.Root}/sandbox/denied.txt\"", entry.Rule);
    }

    [TestMethod]
    public async Task A_symlink_inside_the_sandbox_pointing_to_a_file_outside_is_never_written_through()
    {
        await using var broker = await TestBroker.StartAsync();
        string secret = Path.Combine(broker.Root, "secret-outside");
        File.WriteAllText(secret, "SECRET");
        string link = Path.Combine(broker.Root, "sandbox", "link");
        File.CreateSymbolicLink(link, secret);
        string inside = Path.Combine(broker.Root, "sandbox", "inside.txt");
        File.WriteAllText(inside, "inside");
        string innerLink = Path.Combine(broker.Root, "sandbox", "inner-link");
        File.CreateSymbolicLink(innerLink, inside);
        await using var client = await broker.ConnectAsync();

        foreach (var mode in new[] { FileMode.Create, FileMode.Truncate, FileMode.Open, FileMode.OpenOrCreate, FileMode.Append, FileMode.CreateNew })
        {
            await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.WriteTextAsync(link, "PWNED", mode));
            // Even a link that stays inside the sandbox is not followed for writing.
            await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.WriteTextAsync(innerLink, "PWNED", mode));
        }

        Assert.AreEqual("SECRET", File.ReadAllText(secret));
        Assert.AreEqual("inside", File.ReadAllText(inside));

        // Reading through the outward link is refused as well: the resolved path is outside the policy.
        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.ReadTextAsync(link));
    }

    [TestMethod]
    public async Task A_symlinked_directory_inside_the_sandbox_pointing_outside_is_never_written_through()
    {
        await using var broker = await TestBroker.StartAsync();
        string outside = Path.Combine(broker.Root, "outside-dir");
        Directory.CreateDirectory(outside);
        string secret = Path.Combine(outside, "secret.txt");
        File.WriteAllText(secret, "SECRET");
        string dirLink = Path.Combine(broker.Root, "sandbox", "dirlink");
        File.CreateSymbolicLink(dirLink, outside);
        Directory.CreateDirectory(Path.Combine(broker.Root, "sandbox", "a"));
        File.CreateSymbolicLink(Path.Combine(broker.Root, "sandbox", "a", "deeper"), outside);
        await using var client = await broker.ConnectAsync();

        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.WriteTextAsync(Path.Combine(dirLink, "secret.txt"), "PWNED"));
        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.WriteTextAsync(Path.Combine(dirLink, "planted.txt"), "PWNED"));
        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.WriteTextAsync(Path.Combine(broker.Root, "sandbox", "a", "deeper", "planted.txt"), "PWNED"));
        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.Service.DeleteFileAsync(new PathRequest(Path.Combine(dirLink, "secret.txt")), CancellationToken.None));
        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.Service.CreateDirectoryAsync(new CreateDirectoryRequest(Path.Combine(dirLink, "made")), CancellationToken.None));
        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.Service.CreateDirectoryAsync(new CreateDirectoryRequest(Path.Combine(dirLink, "x", "y", "z")), CancellationToken.None));
        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.Service.MoveFileAsync(new MoveFileRequest(Path.Combine(dirLink, "secret.txt"), Path.Combine(broker.Root, "sandbox", "stolen.txt"), false), CancellationToken.None));
        string bait = Path.Combine(broker.Root, "sandbox", "bait.txt");
        File.WriteAllText(bait, "bait");
        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.Service.MoveFileAsync(new MoveFileRequest(bait, Path.Combine(dirLink, "secret.txt"), true), CancellationToken.None));

        Assert.AreEqual("SECRET", File.ReadAllText(secret));
        CollectionAssert.AreEquivalent(new[] { secret }, Directory.GetFileSystemEntries(outside), "nothing may appear in the directory outside");
        Assert.IsFalse(File.Exists(Path.Combine(broker.Root, "sandbox", "stolen.txt")));
        Assert.AreEqual("bait", File.ReadAllText(bait));
    }

    [TestMethod]
    public async Task A_hard_linked_file_inside_the_sandbox_is_never_written()
    {
        await using var broker = await TestBroker.StartAsync();
        string outside = Path.Combine(broker.Root, "outside-file");
        File.WriteAllText(outside, "ORIGINAL");
        string hardLink = Path.Combine(broker.Root, "sandbox", "hard");
        FileSystemFixtures.MakeHardLink(outside, hardLink);
        await using var client = await broker.ConnectAsync();

        foreach (var mode in new[] { FileMode.Create, FileMode.Truncate, FileMode.Open, FileMode.OpenOrCreate, FileMode.Append })
        {
            var error = await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.WriteTextAsync(hardLink, "PWNED", mode));
            Assert.Contains("hard link", error.Message);
        }

        Assert.AreEqual("ORIGINAL", File.ReadAllText(outside));
    }

    [TestMethod]
    public async Task Create_directory_makes_every_missing_parent()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectAsync();
        string nested = Path.Combine(broker.Root, "sandbox", "a", "b", "c");

        await client.Service.CreateDirectoryAsync(new CreateDirectoryRequest(nested), CancellationToken.None);
        await client.Service.CreateDirectoryAsync(new CreateDirectoryRequest(nested), CancellationToken.None);

        Assert.IsTrue(Directory.Exists(nested));
        await client.WriteTextAsync(Path.Combine(nested, "f.txt"), "deep");
        Assert.AreEqual("deep", File.ReadAllText(Path.Combine(nested, "f.txt")));

        File.WriteAllText(Path.Combine(broker.Root, "sandbox", "plain"), "file");
        await BrokerAssert.FailsWith(BrokerErrorCode.AlreadyExists, () => client.Service.CreateDirectoryAsync(new CreateDirectoryRequest(Path.Combine(broker.Root, "sandbox", "plain", "sub")), CancellationToken.None));

        string outside = Path.Combine(broker.Root, "outside", "x");
        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.Service.CreateDirectoryAsync(new CreateDirectoryRequest(outside), CancellationToken.None));
        Assert.IsFalse(Directory.Exists(Path.Combine(broker.Root, "outside")));
    }

    [TestMethod]
    public async Task Delete_file_removes_it_and_a_missing_file_is_not_an_error()
    {
        await using var broker = await TestBroker.StartAsync();
        string path = Path.Combine(broker.Root, "sandbox", "gone.txt");
        File.WriteAllText(path, "x");
        await using var client = await broker.ConnectAsync();

        await client.Service.DeleteFileAsync(new PathRequest(path), CancellationToken.None);
        Assert.IsFalse(File.Exists(path));

        await client.Service.DeleteFileAsync(new PathRequest(path), CancellationToken.None);
        Assert.AreEqual(2, AuditTrail.For(broker, "file.delete", "path", path).Count(e => e.Decision == "allow" && e.Outcome == "ok"));

        string directory = Path.Combine(broker.Root, "sandbox", "dir");
        Directory.CreateDirectory(directory);
        await BrokerAssert.FailsWith(BrokerErrorCode.IsDirectory, () => client.Service.DeleteFileAsync(new PathRequest(directory), CancellationToken.None));
        Assert.IsTrue(Directory.Exists(directory));

        string outside = Path.Combine(broker.Root, "outside.txt");
        File.WriteAllText(outside, "x");
        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.Service.DeleteFileAsync(new PathRequest(outside), CancellationToken.None));
        Assert.IsTrue(File.Exists(outside));
    }

    [TestMethod]
    public async Task Deleting_a_symlink_removes_the_link_and_never_its_target()
    {
        await using var broker = await TestBroker.StartAsync();
        string secret = Path.Combine(broker.Root, "secret-outside");
        File.WriteAllText(secret, "SECRET");
        string link = Path.Combine(broker.Root, "sandbox", "link");
        File.CreateSymbolicLink(link, secret);
        await using var client = await broker.ConnectAsync();

        await client.Service.DeleteFileAsync(new PathRequest(link), CancellationToken.None);

        Assert.IsNull(new FileInfo(link).LinkTarget, "the link itself is gone");
        Assert.IsFalse(File.Exists(link));
        Assert.AreEqual("SECRET", File.ReadAllText(secret));
    }

    [TestMethod]
    public async Task Delete_directory_removes_an_empty_one_and_refuses_a_non_empty_one()
    {
        await using var broker = await TestBroker.StartAsync();
        string empty = Path.Combine(broker.Root, "sandbox", "empty");
        Directory.CreateDirectory(empty);
        string full = Path.Combine(broker.Root, "sandbox", "full");
        Directory.CreateDirectory(full);
        File.WriteAllText(Path.Combine(full, "f"), "x");
        await using var client = await broker.ConnectAsync();

        await client.Service.DeleteDirectoryAsync(new PathRequest(empty), CancellationToken.None);
        Assert.IsFalse(Directory.Exists(empty));

        await BrokerAssert.FailsWith(BrokerErrorCode.DirectoryNotEmpty, () => client.Service.DeleteDirectoryAsync(new PathRequest(full), CancellationToken.None));
        Assert.IsTrue(File.Exists(Path.Combine(full, "f")));

        await BrokerAssert.FailsWith(BrokerErrorCode.NotDirectory, () => client.Service.DeleteDirectoryAsync(new PathRequest(Path.Combine(full, "f")), CancellationToken.None));

        // The write root itself is never removed, even when empty.
        Directory.Delete(full, recursive: true);
        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.Service.DeleteDirectoryAsync(new PathRequest(Path.Combine(broker.Root, "sandbox")), CancellationToken.None));
        Assert.IsTrue(Directory.Exists(Path.Combine(broker.Root, "sandbox")));

        string outsideDirectory = Path.Combine(broker.Root, "outside-empty");
        Directory.CreateDirectory(outsideDirectory);
        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.Service.DeleteDirectoryAsync(new PathRequest(outsideDirectory), CancellationToken.None));
        Assert.IsTrue(Directory.Exists(outsideDirectory));
    }

    [TestMethod]
    public async Task Move_renames_within_the_sandbox_and_respects_overwrite()
    {
        await using var broker = await TestBroker.StartAsync();
        string source = Path.Combine(broker.Root, "sandbox", "source.txt");
        File.WriteAllText(source, "moved");
        Directory.CreateDirectory(Path.Combine(broker.Root, "sandbox", "sub"));
        string destination = Path.Combine(broker.Root, "sandbox", "sub", "destination.txt");
        await using var client = await broker.ConnectAsync();

        await client.Service.MoveFileAsync(new MoveFileRequest(source, destination, Overwrite: false), CancellationToken.None);
        Assert.IsFalse(File.Exists(source));
        Assert.AreEqual("moved", File.ReadAllText(destination));

        string other = Path.Combine(broker.Root, "sandbox", "other.txt");
        File.WriteAllText(other, "other");
        await BrokerAssert.FailsWith(BrokerErrorCode.AlreadyExists, () => client.Service.MoveFileAsync(new MoveFileRequest(other, destination, Overwrite: false), CancellationToken.None));
        Assert.AreEqual("other", File.ReadAllText(other));
        Assert.AreEqual("moved", File.ReadAllText(destination));

        await client.Service.MoveFileAsync(new MoveFileRequest(other, destination, Overwrite: true), CancellationToken.None);
        Assert.IsFalse(File.Exists(other));
        Assert.AreEqual("other", File.ReadAllText(destination));

        await BrokerAssert.FailsWith(BrokerErrorCode.NotFound, () => client.Service.MoveFileAsync(new MoveFileRequest(other, source, Overwrite: false), CancellationToken.None));

        var entry = AuditTrail.Single(broker, "file.move", "source", source, "allow", "ok");
        Assert.AreEqual(destination, entry.Arg("destination"));
    }

    [TestMethod]
    public async Task Move_out_of_or_into_the_sandbox_is_refused_and_both_sides_stay()
    {
        await using var broker = await TestBroker.StartAsync();
        string inside = Path.Combine(broker.Root, "sandbox", "inside.txt");
        File.WriteAllText(inside, "inside");
        string outsideDirectory = Path.Combine(broker.Root, "outside");
        Directory.CreateDirectory(outsideDirectory);
        string outside = Path.Combine(outsideDirectory, "outside.txt");
        File.WriteAllText(outside, "outside");
        await using var client = await broker.ConnectAsync();

        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.Service.MoveFileAsync(new MoveFileRequest(inside, Path.Combine(outsideDirectory, "escaped.txt"), false), CancellationToken.None));
        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.Service.MoveFileAsync(new MoveFileRequest(inside, outside, true), CancellationToken.None));
        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.Service.MoveFileAsync(new MoveFileRequest(outside, Path.Combine(broker.Root, "sandbox", "pulled.txt"), false), CancellationToken.None));
        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.Service.MoveFileAsync(new MoveFileRequest(inside, Path.Combine(broker.Root, "sandbox", "denied.txt"), false), CancellationToken.None));

        Assert.AreEqual("inside", File.ReadAllText(inside));
        Assert.AreEqual("outside", File.ReadAllText(outside));
        Assert.IsFalse(File.Exists(Path.Combine(outsideDirectory, "escaped.txt")));
        Assert.IsFalse(File.Exists(Path.Combine(broker.Root, "sandbox", "pulled.txt")));
        Assert.IsFalse(File.Exists(Path.Combine(broker.Root, "sandbox", "denied.txt")));
    }
}

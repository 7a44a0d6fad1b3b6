using PrivSep.Broker.Tests.Harness;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Broker.Tests.Actions;

/// <summary>Paged directory listings: what a client sees is what the policy lets it read, page after page.</summary>
[TestClass]
public sealed class DirectoryListingTests
{
    [TestMethod]
    public async Task A_listing_shows_the_entries_with_their_kind_and_size()
    {
        await using var broker = await TestBroker.StartAsync();
        string directory = Path.Combine(broker.Root, "read", "logs");
        Directory.CreateDirectory(Path.Combine(directory, "archive"));
        File.WriteAllText(Path.Combine(directory, "app.log"), "12345");
        File.WriteAllText(Path.Combine(directory, ".hidden"), "");
        await using var client = await broker.ConnectAsync();

        var entries = await ListAllAsync(client, directory, pageSize: 100);

        CollectionAssert.AreEquivalent(new[] { "archive", "app.log", ".hidden" }, entries.Select(e => e.Name).ToArray());
        var log = entries.Single(e => e.Name == "app.log");
        Assert.AreEqual(FileSystemEntryKind.File, log.Kind);
        Assert.AreEqual(5, log.Length);
        Assert.AreEqual(FileSystemEntryKind.Directory, entries.Single(e => e.Name == "archive").Kind);
        AuditTrail.Single(broker, "dir.open", "path", directory, "allow", "ok");
    }

    [TestMethod]
    public async Task A_listing_omits_entries_the_policy_would_not_let_the_client_read()
    {
        await using var broker = await TestBroker.StartAsync();
        string read = Path.Combine(broker.Root, "read");
        Directory.CreateDirectory(Path.Combine(read, "denied"));
        File.WriteAllText(Path.Combine(read, "denied", "inner"), "x");
        File.WriteAllText(Path.Combine(read, "visible.txt"), "x");
        await using var client = await broker.ConnectAsync();

        var entries = await ListAllAsync(client, read, pageSize: 100);

        CollectionAssert.AreEquivalent(new[] { "visible.txt" }, entries.Select(e => e.Name).ToArray(), "the denied directory must not be listed");
        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.Service.OpenDirectoryAsync(new PathRequest(Path.Combine(read, "denied")), CancellationToken.None));
    }

    [TestMethod]
    public async Task A_listing_hides_names_matched_by_a_file_deny_glob()
    {
        const string policy = """
            {
              "version": 1,
              "agents": { "users": ["root"] },
              "files": { "read": ["{root}/read/**"], "write": [], "deny": ["{root}/read/**/*.key"] },
              "ping": { "targets": [] },
              "limits": { "handshakeTimeoutSeconds": 1 }
            }
            """;
        await using var broker = await TestBroker.StartAsync(policy);
        string directory = Path.Combine(broker.Root, "read", "certs");
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "server.crt"), "crt");
        File.WriteAllText(Path.Combine(directory, "server.key"), "key");
        await using var client = await broker.ConnectAsync();

        var entries = await ListAllAsync(client, directory, pageSize: 100);

        CollectionAssert.AreEquivalent(new[] { "server.crt" }, entries.Select(e => e.Name).ToArray());
    }

    [TestMethod]
    public async Task A_directory_outside_the_policy_is_not_listed()
    {
        await using var broker = await TestBroker.StartAsync();
        string outside = Path.Combine(broker.Root, "outside");
        Directory.CreateDirectory(outside);
        await using var client = await broker.ConnectAsync();

        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.Service.OpenDirectoryAsync(new PathRequest(outside), CancellationToken.None));
        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.Service.OpenDirectoryAsync(new PathRequest("/root"), CancellationToken.None));
        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.Service.OpenDirectoryAsync(new PathRequest(Path.Combine(broker.Root, "outside-missing")), CancellationToken.None));

        // A link inside the read root to that directory resolves outside.
        string link = Path.Combine(broker.Root, "read", "door");
        File.CreateSymbolicLink(link, outside);
        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.Service.OpenDirectoryAsync(new PathRequest(link), CancellationToken.None));
    }

    /// <summary>
    /// Issue 10: a link in a readable folder to a root-only 0700 folder was listed as a directory, one to a missing
    /// path as a file, so a listing told what lies outside the policy. A link the client may not follow is now
    /// described as itself, whatever it points to: the same kind, attributes and length, and its own time.
    /// </summary>
    [TestMethod]
    public async Task A_link_the_client_may_not_follow_says_nothing_about_its_target()
    {
        RequiresRoot.Check();
        await using var broker = await TestBroker.StartAsync();
        var longAgo = new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc);
        string vault = Path.Combine(broker.Root, "vault");
        Directory.CreateDirectory(Path.Combine(vault, "inner"));
        string secret = Path.Combine(vault, "secret.bin");
        File.WriteAllText(secret, new string('s', 12345));
        File.SetLastWriteTimeUtc(secret, longAgo);
        Directory.SetLastWriteTimeUtc(vault, longAgo);
        File.SetUnixFileMode(vault, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string listed = Path.Combine(broker.Root, "read", "links");
        Directory.CreateDirectory(listed);
        File.CreateSymbolicLink(Path.Combine(listed, "to-vault"), vault);
        File.CreateSymbolicLink(Path.Combine(listed, "to-secret"), secret);
        File.CreateSymbolicLink(Path.Combine(listed, "to-nothing"), Path.Combine(broker.Root, "no-such-folder-at-all"));
        File.CreateSymbolicLink(Path.Combine(listed, "to-denied"), Path.Combine(broker.Root, "read", "denied"));
        Directory.CreateDirectory(Path.Combine(broker.Root, "read", "denied"));
        var created = DateTime.UtcNow;
        await using var client = await broker.ConnectAsync();

        var entries = (await ListAllAsync(client, listed, pageSize: 100)).ToDictionary(e => e.Name);

        var nothing = entries["to-nothing"];
        Assert.AreEqual(FileSystemEntryKind.File, nothing.Kind);
        Assert.AreEqual(FileAttributes.ReparsePoint, nothing.Attributes);
        Assert.AreEqual(0, nothing.Length, "not even the length of the link's text");
        foreach (var name in new[] { "to-vault", "to-secret", "to-denied" })
        {
            var entry = entries[name];
            Assert.AreEqual((nothing.Kind, nothing.Attributes, nothing.Length), (entry.Kind, entry.Attributes, entry.Length), $"{name} must look like a link to nothing");
            Assert.AreNotEqual(longAgo, entry.LastWriteTimeUtc, $"{name}: the target's time must not show");
        }

        foreach (var entry in entries.Values)
        {
            Assert.IsLessThan(TimeSpan.FromMinutes(5), (created - entry.LastWriteTimeUtc).Duration(), $"{entry.Name}: the link's own time");
        }
    }

    [TestMethod]
    public async Task A_link_to_what_the_client_may_read_shows_its_target_s_kind_as_the_BCL_does()
    {
        await using var broker = await TestBroker.StartAsync();
        string read = Path.Combine(broker.Root, "read");
        Directory.CreateDirectory(Path.Combine(read, "data"));
        File.WriteAllText(Path.Combine(read, "data", "report.txt"), "12345");
        string listed = Path.Combine(read, "links");
        Directory.CreateDirectory(listed);
        File.CreateSymbolicLink(Path.Combine(listed, "to-data"), Path.Combine(read, "data"));
        File.CreateSymbolicLink(Path.Combine(listed, ".to-report"), Path.Combine(read, "data", "report.txt"));
        File.CreateSymbolicLink(Path.Combine(listed, "relative"), "../data");
        await using var client = await broker.ConnectAsync();

        var entries = (await ListAllAsync(client, listed, pageSize: 100)).ToDictionary(e => e.Name);

        Assert.AreEqual(FileSystemEntryKind.Directory, entries["to-data"].Kind);
        Assert.AreEqual(FileAttributes.Directory | FileAttributes.ReparsePoint, entries["to-data"].Attributes);
        Assert.AreEqual(FileSystemEntryKind.Directory, entries["relative"].Kind);
        var report = entries[".to-report"];
        Assert.AreEqual(FileSystemEntryKind.File, report.Kind);
        Assert.AreEqual(FileAttributes.ReparsePoint | FileAttributes.Hidden, report.Attributes);

        // What the BCL gives for the same listing, read directly: the broker's view of a followable link is the same.
        var direct = new DirectoryInfo(listed).EnumerateFileSystemInfos().ToDictionary(i => i.Name);
        foreach (var (name, entry) in entries)
        {
            Assert.AreEqual(direct[name].Attributes, entry.Attributes, name);
            Assert.AreEqual(direct[name] is FileInfo file ? file.Length : 0, entry.Length, name);
            Assert.AreEqual(direct[name].LastWriteTimeUtc, entry.LastWriteTimeUtc, name);
        }
    }

    [TestMethod]
    public async Task A_large_directory_comes_in_pages_that_together_hold_every_entry_once()
    {
        await using var broker = await TestBroker.StartAsync();
        string directory = Path.Combine(broker.Root, "read", "many");
        Directory.CreateDirectory(directory);
        var expected = Enumerable.Range(0, 23).Select(i => $"f{i:00}").ToArray();
        foreach (var name in expected)
        {
            File.WriteAllText(Path.Combine(directory, name), name);
        }

        await using var client = await broker.ConnectAsync();
        var opened = await client.Service.OpenDirectoryAsync(new PathRequest(directory), CancellationToken.None);
        var names = new List<string>();
        int pages = 0;
        DirectoryPage page;
        do
        {
            page = await client.Service.ReadDirectoryAsync(new ReadDirectoryRequest(opened.Handle, 5), CancellationToken.None);
            Assert.IsLessThanOrEqualTo(5, page.Entries.Count);
            names.AddRange(page.Entries.Select(e => e.Name));
            pages++;
            Assert.IsLessThan(20, pages, "the listing never ended");
        }
        while (!page.IsLast);

        Assert.IsGreaterThanOrEqualTo(5, pages);
        CollectionAssert.AreEquivalent(expected, names, "every entry exactly once across pages");

        // The last page freed the handle: it is gone from the table.
        await BrokerAssert.FailsWith(BrokerErrorCode.InvalidArgument, () => client.Service.ReadDirectoryAsync(new ReadDirectoryRequest(opened.Handle, 5), CancellationToken.None));
        await BrokerAssert.FailsWith(BrokerErrorCode.InvalidArgument, () => client.Service.CloseHandleAsync(new CloseHandleRequest(opened.Handle), CancellationToken.None));
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(-1)]
    [DataRow(1025)]
    public async Task A_page_size_out_of_range_is_an_invalid_argument(int maxEntries)
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectAsync();
        var opened = await client.Service.OpenDirectoryAsync(new PathRequest(Path.Combine(broker.Root, "read")), CancellationToken.None);

        await BrokerAssert.FailsWith(BrokerErrorCode.InvalidArgument, () => client.Service.ReadDirectoryAsync(new ReadDirectoryRequest(opened.Handle, maxEntries), CancellationToken.None));

        // The handle survives a bad request.
        var page = await client.Service.ReadDirectoryAsync(new ReadDirectoryRequest(opened.Handle, 10), CancellationToken.None);
        Assert.IsTrue(page.IsLast);
    }

    internal static async Task<List<DirectoryEntry>> ListAllAsync(TestClient client, string directory, int pageSize)
    {
        var opened = await client.Service.OpenDirectoryAsync(new PathRequest(directory), CancellationToken.None);
        Assert.AreEqual(directory, opened.ResolvedPath);
        var entries = new List<DirectoryEntry>();
        for (int i = 0; i < 1000; i++)
        {
            var page = await client.Service.ReadDirectoryAsync(new ReadDirectoryRequest(opened.Handle, pageSize), CancellationToken.None);
            entries.AddRange(page.Entries);
            if (page.IsLast)
            {
                return entries;
            }
        }

        Assert.Fail("the listing never ended");
        return entries;
    }
}

using System.Diagnostics;
using PrivSep.Broker.Tests.Harness;
using PrivSep.Protocol.Contracts;
using StreamJsonRpc;

namespace PrivSep.Broker.Tests.Actions;

/// <summary>
/// A link swapped between the broker's check and its use (TOCTOU): a background task retargets it thousands of
/// times while the test opens it over and over. Whatever the interleaving, the secret must never come back and
/// never be written.
/// </summary>
[TestClass]
public sealed class SymlinkRaceTests
{
    private const int MaxAttempts = 4000;
    private static readonly TimeSpan MaxDuration = TimeSpan.FromSeconds(3);

    [TestMethod]
    public async Task A_read_link_flipped_between_an_allowed_file_and_a_secret_never_yields_the_secret()
    {
        await using var broker = await TestBroker.StartAsync();
        string allowed = Path.Combine(broker.Root, "read", "allowed.txt");
        File.WriteAllText(allowed, "ALLOWED");
        string secret = Path.Combine(broker.Root, "secret-outside");
        File.WriteAllText(secret, "SECRET");
        string link = Path.Combine(broker.Root, "read", "link");
        File.CreateSymbolicLink(link, allowed);
        await using var client = await broker.ConnectAsync();

        int successes = 0, denials = 0, attempts = 0;
        await RunWhileFlippingAsync(
            flip: i => FileSystemFixtures.RetargetSymlink(link, i % 2 == 0 ? secret : allowed, ".link-tmp"),
            attempt: async () =>
            {
                attempts++;
                try
                {
                    string content = await client.ReadTextAsync(link);
                    Assert.AreEqual("ALLOWED", content, $"attempt {attempts}: the broker served the secret through a swapped link");
                    successes++;
                }
                catch (RemoteInvocationException ex) when (ex.ErrorCode == (int)BrokerErrorCode.PolicyDenied)
                {
                    denials++;
                }
            });

        Assert.IsGreaterThan(0, successes, $"no open succeeded in {attempts} attempts: the race was not exercised");
        Assert.IsGreaterThan(0, denials, $"no open was denied in {attempts} attempts: the flipper never won, the race was not exercised");
        Assert.AreEqual(0, client.Stream.Received.UnclaimedCount, "every descriptor the broker sent was claimed by a response");
    }

    [TestMethod]
    public async Task A_write_link_flipped_between_an_allowed_file_and_a_secret_is_always_refused()
    {
        await using var broker = await TestBroker.StartAsync();
        string allowed = Path.Combine(broker.Root, "sandbox", "allowed.txt");
        File.WriteAllText(allowed, "ALLOWED");
        string secret = Path.Combine(broker.Root, "secret-outside");
        File.WriteAllText(secret, "SECRET");
        string link = Path.Combine(broker.Root, "sandbox", "link");
        File.CreateSymbolicLink(link, allowed);
        await using var client = await broker.ConnectAsync();

        int attempts = 0;
        await RunWhileFlippingAsync(
            flip: i => FileSystemFixtures.RetargetSymlink(link, i % 2 == 0 ? secret : allowed, ".link-tmp"),
            attempt: async () =>
            {
                attempts++;
                var mode = (attempts % 3) switch { 0 => FileMode.Create, 1 => FileMode.Open, _ => FileMode.Append };
                await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.WriteTextAsync(link, "PWNED", mode));
            });

        Assert.IsGreaterThan(100, attempts);
        Assert.AreEqual("SECRET", File.ReadAllText(secret));
        Assert.AreEqual("ALLOWED", File.ReadAllText(allowed));
    }

    [TestMethod]
    public async Task A_sandbox_directory_swapped_for_a_link_to_outside_never_receives_a_write_outside()
    {
        await using var broker = await TestBroker.StartAsync();
        string outside = Path.Combine(broker.Root, "outside-dir");
        Directory.CreateDirectory(outside);
        string secret = Path.Combine(outside, "secret.txt");
        File.WriteAllText(secret, "SECRET");
        string directory = Path.Combine(broker.Root, "sandbox", "dir");
        string parked = Path.Combine(broker.Root, "sandbox", "parked");
        Directory.CreateDirectory(directory);
        await using var client = await broker.ConnectAsync();

        int successes = 0, refusals = 0;
        await RunWhileFlippingAsync(
            flip: i => SwapDirectoryAndLink(i, directory, parked, Path.Combine(broker.Root, "sandbox", ".dir-tmp"), outside),
            attempt: async () =>
            {
                try
                {
                    await client.WriteTextAsync(Path.Combine(directory, "secret.txt"), "PWNED", FileMode.Create);
                    successes++;
                }
                catch (RemoteInvocationException ex) when (ex.ErrorCode is (int)BrokerErrorCode.PolicyDenied or (int)BrokerErrorCode.DirectoryNotFound or (int)BrokerErrorCode.NotFound)
                {
                    refusals++;
                }
                catch (RemoteSerializationException ex) when (ex.Message.StartsWith("Could not find a part of the path", StringComparison.Ordinal))
                {
                    // DirectoryNotFound (-32003) while "dir" is briefly absent: StreamJsonRpc reads that code as its own
                    // ResponseSerializationFailure (see A_missing_directory_is_reported_as_DirectoryNotFound).
                    refusals++;
                }
            });

        Assert.AreEqual("SECRET", File.ReadAllText(secret));
        CollectionAssert.AreEquivalent(new[] { secret }, Directory.GetFileSystemEntries(outside), "nothing may be created outside the sandbox");
        Assert.IsGreaterThan(0, successes, "no write succeeded: the race was not exercised");
        Assert.IsGreaterThan(0, refusals, "no write was refused: the flipper never won");
    }

    /// <summary>
    /// A listed link whose path leads through a directory swapped for a link to outside the policy: it reaches an
    /// allowed file or, outside, a directory of the same name. Its kind must come from what the policy judged, so a
    /// Directory (which only the outside target is) never shows, whatever the interleaving.
    /// </summary>
    [TestMethod]
    public async Task A_listed_link_that_leads_outside_mid_listing_never_shows_the_outside_kind()
    {
        await using var broker = await TestBroker.StartAsync();
        string outside = Path.Combine(broker.Root, "outside-dir");
        Directory.CreateDirectory(Path.Combine(outside, "x"));
        string hop = Path.Combine(broker.Root, "read", "hop");
        string parked = Path.Combine(broker.Root, "parked");
        Directory.CreateDirectory(hop);
        File.WriteAllText(Path.Combine(hop, "x"), "ALLOWED");
        string listed = Path.Combine(broker.Root, "read", "links");
        Directory.CreateDirectory(listed);
        File.CreateSymbolicLink(Path.Combine(listed, "link"), Path.Combine(hop, "x"));
        await using var client = await broker.ConnectAsync();

        int followed = 0, opaque = 0;
        await RunWhileFlippingAsync(
            flip: i => SwapDirectoryAndLink(i, hop, parked, Path.Combine(broker.Root, ".hop-tmp"), outside),
            attempt: async () =>
            {
                var entry = (await DirectoryListingTests.ListAllAsync(client, listed, pageSize: 10)).Single();
                Assert.AreEqual(FileSystemEntryKind.File, entry.Kind, "the outside directory showed through the swapped path");
                Assert.AreEqual(FileAttributes.ReparsePoint, entry.Attributes);
                _ = entry.Length > 0 ? followed++ : opaque++;
            });

        Assert.IsGreaterThan(0, followed, "the link was never listed as followable: the race was not exercised");
        Assert.IsGreaterThan(0, opaque, "the link was never listed as opaque: the flipper never won");
    }

    /// <summary>
    /// Flip <paramref name="flip"/>: on even flips the real <paramref name="directory"/> is parked and a link to
    /// <paramref name="linkTarget"/> (made at <paramref name="scratch"/>) takes its name; on odd flips it comes back.
    /// </summary>
    private static void SwapDirectoryAndLink(int flip, string directory, string parked, string scratch, string linkTarget)
    {
        if (flip % 2 == 0)
        {
            Directory.Move(directory, parked);
            File.CreateSymbolicLink(scratch, linkTarget);
            Directory.Move(scratch, directory);
        }
        else
        {
            File.Delete(directory);
            Directory.Move(parked, directory);
        }
    }

    /// <summary>Runs <paramref name="attempt"/> repeatedly (bounded by count and time) while <paramref name="flip"/> runs on another thread.</summary>
    private static async Task RunWhileFlippingAsync(Action<int> flip, Func<Task> attempt)
    {
        using var stop = new CancellationTokenSource();
        var flipper = Task.Factory.StartNew(
            () =>
            {
                int flips = 0;
                while (!stop.IsCancellationRequested && flips < 200_000)
                {
                    flip(flips++);
                }

                // Leave the tree in a state the test's final assertions understand.
                if (flips % 2 == 1)
                {
                    flip(flips);
                }

                return flips;
            },
            TaskCreationOptions.LongRunning);

        var clock = Stopwatch.StartNew();
        int flips;
        try
        {
            for (int i = 0; i < MaxAttempts && clock.Elapsed < MaxDuration && !flipper.IsCompleted; i++)
            {
                await attempt();
            }
        }
        finally
        {
            await stop.CancelAsync();
            flips = await flipper.WaitAsync(TimeSpan.FromSeconds(10));
        }

        Assert.IsGreaterThan(100, flips, "the flipper barely ran");
    }
}

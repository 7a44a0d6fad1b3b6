using System.Diagnostics;
using System.Net.Sockets;
using PrivSep.Broker.Tests.Harness;

namespace PrivSep.Broker.Tests.Actions;

/// <summary>
/// Seeded, bounded fuzzing of the broker's wire: mutated hellos before the handshake and 20,000 mutated frames after
/// it, over a few connections at once. Afterwards the broker must serve a legitimate client, hold no more descriptors
/// than before, and have recorded no internal error (the kernel's and the client's mistakes are ordinary outcomes).
/// </summary>
[TestClass]
public sealed class ProtocolFuzzTests
{
    private const int Seed = 20261202;
    private const int HelloCount = 400;
    private const int FrameCount = 20_000;
    private const int Workers = 4;

    /// <summary>Requests a worker keeps in flight (the test policy's limits.maxConcurrentRequests).</summary>
    private const int AnswersAwaited = 4;

    /// <summary>Far beyond what the run takes (about 30 s on a loaded 2-core machine); only a broker that stopped answering reaches it.</summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(150);

    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [TestMethod]
    [DoNotParallelize]
    public async Task Mutated_hellos_and_frames_leave_the_broker_serving_with_its_descriptors_back()
    {
        // A frame whose length header promises more than comes is cut after 1 s instead of 10.
        await using var broker = await TestBroker.StartAsync(TestBroker.DefaultPolicy.Replace("\"handshakeTimeoutSeconds\": 1", "\"handshakeTimeoutSeconds\": 1, \"messageTimeoutSeconds\": 1", StringComparison.Ordinal));
        string readRoot = Path.Combine(broker.Root, "read");
        string writeRoot = Path.Combine(broker.Root, "sandbox");
        string file = Path.Combine(readRoot, "a.txt");
        File.WriteAllText(file, "a");
        await using (var warmUp = await broker.ConnectAsync())
        {
            Assert.AreEqual("a", await warmUp.ReadTextAsync(file));
        }

        // A short round first (another seed), so what the runtime loads once (assemblies, symbols for stack traces) is
        // in the baseline and only what the fuzzing leaves behind is counted.
        using (var warmUpDeadline = new CancellationTokenSource(Deadline))
        {
            await SendHellosAsync(broker, new FrameMutator(Seed - 1, readRoot, writeRoot), 20, warmUpDeadline.Token);
            await SendFramesAsync(broker, new FrameMutator(Seed - 2, readRoot, writeRoot), 1000, warmUpDeadline.Token);
        }

        int baseline = await FileSystemFixtures.StableDescriptorCountAsync();
        var before = DescriptorTargets();
        using var deadline = new CancellationTokenSource(Deadline);

        var hellos = Enumerable.Range(0, Workers).Select(w => SendHellosAsync(broker, new FrameMutator(Seed + w, readRoot, writeRoot), HelloCount / Workers, deadline.Token));
        await Task.WhenAll(hellos);
        var frames = await Task.WhenAll(Enumerable.Range(0, Workers).Select(w => SendFramesAsync(broker, new FrameMutator(Seed + 100 + w, readRoot, writeRoot), FrameCount / Workers, deadline.Token)));

        Assert.AreEqual(FrameCount, frames.Sum(f => f.Sent), "every mutated frame was sent before the deadline");
        await using var legitimate = await broker.ConnectAsync();
        Assert.AreEqual("a", await legitimate.ReadTextAsync(file).WaitAsync(Bound), "the broker serves a legitimate client after the fuzzing");
        await legitimate.DisposeAsync();
        int current = int.MaxValue;
        Assert.IsTrue(
            await Eventually.TrueWithinAsync(() => (current = FileSystemFixtures.OpenDescriptorCount()) <= baseline + 4, Bound),
            $"the broker holds {current - baseline} more descriptors than before the fuzzing: {string.Join(", ", DescriptorTargets().Except(before))}");
        var internalErrors = AuditTrail.Read(broker).Where(e => e.Outcome == "internal-error").ToList();
        Assert.IsEmpty(internalErrors, $"internal errors: {string.Join("; ", internalErrors.Take(5).Select(e => $"{e.Action} {string.Join(",", e.Args.Select(a => $"{a.Key}={a.Value}"))}"))}");
        var outcomes = AuditTrail.Read(broker).GroupBy(e => $"{e.Action}:{e.Outcome}").OrderByDescending(g => g.Count()).Select(g => $"{g.Key}={g.Count()}");
        Console.WriteLine($"{frames.Sum(f => f.Connections)} authenticated connections for {FrameCount} frames; audit: {string.Join(" ", outcomes)}");
    }

    private static async Task SendHellosAsync(TestBroker broker, FrameMutator mutator, int count, CancellationToken deadline)
    {
        for (int i = 0; i < count; i++)
        {
            deadline.ThrowIfCancellationRequested();
            await using var raw = await RawConnection.ConnectAsync(broker);
            try
            {
                await raw.Stream.WriteAsync(mutator.NextHello(), deadline);

                // Nothing more comes: the broker answers or sees the end at once instead of waiting out its handshake timeout.
                EndSending(raw);
            }
            catch (IOException)
            {
                // Refused before the whole hello was read.
            }

            Assert.IsTrue(await raw.IsClosedByPeerWithinAsync(Bound), "the broker must close a connection after a mutated hello");
        }
    }

    private static async Task<(int Sent, int Connections)> SendFramesAsync(TestBroker broker, FrameMutator mutator, int count, CancellationToken deadline)
    {
        int sent = 0;
        int connections = 0;
        while (sent < count)
        {
            deadline.ThrowIfCancellationRequested();
            await using var raw = await RawConnection.ConnectAuthenticatedAsync(broker);
            connections++;

            // Answers are read (and their descriptors dropped) as they come. At most a few requests wait for theirs, so
            // each frame reaches the broker while the connection lives instead of piling up in a socket it closed.
            using var answered = new SemaphoreSlim(0);
            var answers = Task.Run(() => CountAnswersAsync(raw, answered), CancellationToken.None);
            int awaiting = 0;
            while (sent < count && !answers.IsCompleted)
            {
                var (frame, expectsAnswer) = mutator.NextFrame();
                try
                {
                    await raw.Stream.WriteAsync(frame, deadline);
                }
                catch (IOException)
                {
                    break;
                }

                sent++;
                awaiting += expectsAnswer ? 1 : 0;
                while (awaiting >= AnswersAwaited && !answers.IsCompleted)
                {
                    if (await answered.WaitAsync(TimeSpan.FromMilliseconds(100), deadline))
                    {
                        awaiting--;
                    }
                }
            }

            EndSending(raw);
            await answers.WaitAsync(Bound);
        }

        return (sent, connections);
    }

    /// <summary>Reads answer frames until the broker closes the connection, counting each.</summary>
    private static async Task CountAnswersAsync(RawConnection raw, SemaphoreSlim answered)
    {
        try
        {
            while (true)
            {
                await raw.ReadFrameAsync(Deadline);
                answered.Release();
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException)
        {
            // The broker closed the connection (or it ended mid-frame).
        }
    }

    /// <summary>What each open descriptor is, for a failure message that says what was left open.</summary>
    private static List<string> DescriptorTargets() =>
        [.. Directory.GetFileSystemEntries("/proc/self/fd").Select(fd =>
        {
            try
            {
                return new FileInfo(fd).LinkTarget ?? fd;
            }
            catch (IOException)
            {
                return fd;
            }
        })];

    private static void EndSending(RawConnection raw)
    {
        try
        {
            raw.Stream.Socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
            // The broker closed first.
        }
    }
}

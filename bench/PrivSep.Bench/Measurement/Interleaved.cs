using System.Diagnostics;

namespace PrivSep.Bench.Measurement;

/// <summary>One operation to time: a name and one iteration of work.</summary>
internal sealed record TimedOperation(string Name, Func<ValueTask> Run)
{
    public static TimedOperation Sync(string name, Action run) => new(name, () =>
    {
        run();
        return ValueTask.CompletedTask;
    });
}

/// <summary>
/// Times several operations in alternating blocks (A×n, B×n, C×n, A×n, …) so that drift over the run (page cache,
/// JIT tiering, another process waking up) falls on every operation alike, not on whichever ran last.
/// </summary>
internal static class Interleaved
{
    public static async Task<Samples[]> MeasureAsync(int warmupPerOperation, int rounds, int perRound, params TimedOperation[] operations)
    {
        foreach (var operation in operations)
        {
            for (int i = 0; i < warmupPerOperation; i++)
            {
                await operation.Run().ConfigureAwait(false);
            }
        }

        var samples = operations.Select(o => new Samples(o.Name, rounds * perRound)).ToArray();
        for (int round = 0; round < rounds; round++)
        {
            for (int o = 0; o < operations.Length; o++)
            {
                var run = operations[o].Run;
                var into = samples[o];
                for (int i = 0; i < perRound; i++)
                {
                    long start = Stopwatch.GetTimestamp();
                    await run().ConfigureAwait(false);
                    into.Add(Stopwatch.GetTimestamp() - start);
                }
            }
        }

        return samples;
    }
}

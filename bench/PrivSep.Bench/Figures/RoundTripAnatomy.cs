using PrivSep.Bench.Measurement;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Bench.Figures;

/// <summary>
/// A diagnostic behind figures 1 and 4: where one sequential round trip's time goes. For 4,000 raw echo round trips and
/// then 4,000 file.stat calls on a BrokerChannel it counts, per request, the context switches (each one a thread that
/// blocked and had to be woken) and the CPU time of the far end and of this harness.
/// </summary>
internal static class RoundTripAnatomy
{
    private const int Calls = 4000;

    public static async Task RunAsync(BenchContext context, ResultTable table)
    {
        var stat = new PathRequest(context.Directory.SmallFile, BenchContext.PluginName);
        var raw = await MeasureAsync(context.EchoServerPid, new TimedOperation("raw round trip", context.Raw.RoundTripAsync)).ConfigureAwait(false);
        var brokered = await MeasureAsync(context.Broker.Pid, new TimedOperation("file.stat", async () => await context.Channel.Service.GetFileStatusAsync(stat, CancellationToken.None).ConfigureAwait(false))).ConfigureAwait(false);
        table.Diagnostic(
            "per sequential round trip, raw echo vs `GetFileStatusAsync`: context switches far end / harness",
            $"{raw.FarSwitches:0.0} / {raw.HarnessSwitches:0.0} vs {brokered.FarSwitches:0.0} / {brokered.HarnessSwitches:0.0}");
        table.Diagnostic(
            "per sequential round trip, raw echo vs `GetFileStatusAsync`: CPU far end / harness (incl. thread-pool spinning)",
            $"{ResultTable.Micros(raw.FarCpu)} / {ResultTable.Micros(raw.HarnessCpu)} vs {ResultTable.Micros(brokered.FarCpu)} / {ResultTable.Micros(brokered.HarnessCpu)} (medians of these blocks: {ResultTable.Micros(raw.Median)} vs {ResultTable.Micros(brokered.Median)})");
    }

    /// <summary>
    /// The same calls when each comes after 5 ms of idleness, as a plugin's occasional call does (and as the open before
    /// each 64 MiB read in figure 2 does): every thread on both sides has stopped spinning and gone to sleep, so each
    /// hand-off pays a full wake-up.
    /// </summary>
    public static async Task RunIdleGapAsync(BenchContext context, ResultTable table)
    {
        const int Iterations = 100;
        string path = context.Directory.SmallFile;
        var buffer = new byte[8192];
        var raw = new Samples("raw after idle", Iterations);
        var shim = new Samples("shim open after idle", Iterations);
        for (int i = 0; i < Iterations; i++)
        {
            Thread.Sleep(5);
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            await context.Raw.RoundTripAsync().ConfigureAwait(false);
            raw.Add(System.Diagnostics.Stopwatch.GetTimestamp() - start);

            Thread.Sleep(5);
            start = System.Diagnostics.Stopwatch.GetTimestamp();
            using (var stream = Shim.Client.BrokeredFileSystem.OpenFile(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0))
            {
                _ = stream.Read(buffer);
            }

            shim.Add(System.Diagnostics.Stopwatch.GetTimestamp() - start);
        }

        table.Diagnostic(
            "after 5 ms idle (threads asleep): raw round trip / Shim open + read 4 KiB, median (p90)",
            $"{ResultTable.Micros(raw.MedianMicroseconds)} ({ResultTable.Micros(raw.P90Microseconds)}) / {ResultTable.Micros(shim.MedianMicroseconds)} ({ResultTable.Micros(shim.P90Microseconds)}) = {ResultTable.Ratio(shim.MedianMicroseconds / raw.MedianMicroseconds)}");
    }

    private static async Task<Anatomy> MeasureAsync(int farPid, TimedOperation operation)
    {
        await Interleaved.MeasureAsync(warmupPerOperation: 0, rounds: 1, perRound: 500, operation).ConfigureAwait(false);
        var (farSwitches, harnessSwitches) = (ProcStatus.ReadContextSwitches(farPid), ProcStatus.ReadContextSwitches(Environment.ProcessId));
        var (farCpu, harnessCpu) = (ProcStatus.ReadCpuTime(farPid), ProcStatus.ReadCpuTime(Environment.ProcessId));
        var samples = await Interleaved.MeasureAsync(warmupPerOperation: 0, rounds: 1, perRound: Calls, operation).ConfigureAwait(false);
        var (farCpuEnd, harnessCpuEnd) = (ProcStatus.ReadCpuTime(farPid), ProcStatus.ReadCpuTime(Environment.ProcessId));
        var (farSwitchesEnd, harnessSwitchesEnd) = (ProcStatus.ReadContextSwitches(farPid), ProcStatus.ReadContextSwitches(Environment.ProcessId));
        return new Anatomy(
            (farSwitchesEnd - farSwitches) / (double)Calls,
            (harnessSwitchesEnd - harnessSwitches) / (double)Calls,
            (farCpuEnd - farCpu).TotalMicroseconds / Calls,
            (harnessCpuEnd - harnessCpu).TotalMicroseconds / Calls,
            samples[0].MedianMicroseconds);
    }

    private sealed record Anatomy(double FarSwitches, double HarnessSwitches, double FarCpu, double HarnessCpu, double Median);
}

using System.Diagnostics;
using PrivSep.Bench.Measurement;
using PrivSep.Protocol;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Bench.Figures;

/// <summary>
/// Figure 4: 16 authenticated connections, each issuing one request after the other for a fixed time (1 s warm-up, then
/// a 5 s window), counted in total; once with file.stat and once with small opens (descriptor passed, then closed).
/// The clients run in this process, on the same 2 cores as the broker; what each request costs in CPU on either side
/// comes from /proc/PID/stat over the window. The single-client sequential round trip of file.stat is reported here
/// but measured with figure 1's interleaved blocks. Figure 5 (resident memory with 16 clients connected) is read here,
/// after the load, while they are still connected.
/// </summary>
internal static class RequestRateFigure
{
    public const int Clients = 16;
    public const double TargetRequestsPerSecond = 20_000;
    private static readonly TimeSpan Warmup = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(5);

    public static async Task RunAsync(BenchContext context, Samples rawRoundTrip, Samples sequentialStat, ResultTable table)
    {
        var stat = new PathRequest(context.Directory.SmallFile, BenchContext.PluginName);
        var open = new OpenFileRequest(context.Directory.SmallFile, FileMode.Open, FileAccess.Read, Plugin: BenchContext.PluginName);
        Func<BrokerChannel, Task> statCall = channel => channel.Service.GetFileStatusAsync(stat, CancellationToken.None);
        Func<BrokerChannel, Task> openCall = async channel =>
        {
            var response = await channel.Service.OpenFileAsync(open, CancellationToken.None).ConfigureAwait(false);
            channel.Stream.Received.Take(response.DescriptorSequence).Dispose();
        };

        OpenReadFigure.AddVersus(table, "4. Single client, sequential `GetFileStatusAsync` round trip vs raw round trip", sequentialStat, rawRoundTrip, target: null);

        table.Diagnostic("broker VmRSS after figures 1–3, before the 16 clients connect", MemoryFigure.Describe(context.Broker.Pid));
        var channels = new BrokerChannel[Clients];
        try
        {
            for (int i = 0; i < Clients; i++)
            {
                channels[i] = await BrokerChannel.ConnectAsync(context.Directory.BrokerSocket, context.Secret, BenchContext.ConnectTimeout).ConfigureAwait(false);
            }

            await Task.Delay(500).ConfigureAwait(false);
            MemoryFigure.AddConnected(table, context.Broker.Pid, afterLoad: false);
            long auditBefore = File.ReadAllBytes(context.Directory.AuditLog).Count(b => b == (byte)'\n');
            var statLoad = await LoadAsync(channels, statCall, context.Broker.Pid).ConfigureAwait(false);
            AddLoad(table, "4. 16 clients, `GetFileStatusAsync` in a loop (one audit line each)", statLoad);
            var openLoad = await LoadAsync(channels, openCall, context.Broker.Pid).ConfigureAwait(false);
            AddLoad(table, "4. 16 clients, small opens (`OpenFileAsync`, fd passed and closed; one audit line each)", openLoad);
            long auditAfter = File.ReadAllBytes(context.Directory.AuditLog).Count(b => b == (byte)'\n');

            table.Diagnostic("audit lines written by the broker during both 16-client runs", $"{ResultTable.Number(auditAfter - auditBefore)} (completed requests incl. warm-up: {ResultTable.Number(statLoad.Completed + openLoad.Completed)})");
            foreach (var (name, load) in new[] { ("file.stat", statLoad), ("file.open", openLoad) })
            {
                table.Diagnostic($"CPU per request under 16-client load, {name}: broker / harness (16 clients)", $"{ResultTable.Micros(load.BrokerCpuMicrosecondsPerRequest)} / {ResultTable.Micros(load.ClientCpuMicrosecondsPerRequest)}");
                table.Diagnostic($"CPU over the 5 s window, {name}", load.Cpu.Describe());
            }

            await Task.Delay(500).ConfigureAwait(false);
            MemoryFigure.AddConnected(table, context.Broker.Pid, afterLoad: true);
        }
        finally
        {
            foreach (var channel in channels)
            {
                channel?.Dispose();
            }
        }
    }

    private static void AddLoad(ResultTable table, string figure, LoadResult load)
    {
        double rate = load.RequestsPerSecond;
        table.Add(new(
            figure,
            $"{ResultTable.Number(rate)} req/s (latency p50 {ResultTable.Micros(load.Latency.MedianMicroseconds)})",
            $"latency {ResultTable.Micros(load.Latency.P90Microseconds)}",
            "—",
            "—",
            $"≥ {ResultTable.Number(TargetRequestsPerSecond)} req/s",
            rate >= TargetRequestsPerSecond));
    }

    private static async Task<LoadResult> LoadAsync(BrokerChannel[] channels, Func<BrokerChannel, Task> call, int brokerPid)
    {
        long start = Stopwatch.GetTimestamp();
        long windowStartPlanned = start + (long)(Warmup.TotalSeconds * Stopwatch.Frequency);
        long stopAt = windowStartPlanned + (long)(Window.TotalSeconds * Stopwatch.Frequency);
        var completions = new List<(long Done, long Elapsed)>[channels.Length];
        var loops = new Task[channels.Length];
        for (int i = 0; i < channels.Length; i++)
        {
            var channel = channels[i];
            var done = completions[i] = new List<(long, long)>(200_000);
            loops[i] = Task.Run(async () =>
            {
                while (true)
                {
                    long before = Stopwatch.GetTimestamp();
                    if (before >= stopAt)
                    {
                        return;
                    }

                    await call(channel).ConfigureAwait(false);
                    long after = Stopwatch.GetTimestamp();
                    done.Add((after, after - before));
                }
            });
        }

        // The window is bounded by the CPU snapshots themselves, so requests and CPU time are counted over the same span.
        await Task.Delay(Stopwatch.GetElapsedTime(start, windowStartPlanned)).ConfigureAwait(false);
        var first = CpuSnapshot.Take(brokerPid);
        await Task.Delay(Window).ConfigureAwait(false);
        var last = CpuSnapshot.Take(brokerPid);
        await Task.WhenAll(loops).ConfigureAwait(false);
        var (windowStart, windowEnd, cpu) = (first.Timestamp, last.Timestamp, last.Since(first));

        var inWindow = completions.SelectMany(c => c).Where(c => c.Done >= windowStart && c.Done < windowEnd).ToList();
        var latency = new Samples("latency under load", inWindow.Count);
        foreach (var completion in inWindow)
        {
            latency.Add(completion.Elapsed);
        }

        return new LoadResult(inWindow.Count / cpu.Wall.TotalSeconds, latency, cpu, inWindow.Count, completions.Sum(c => c.Count));
    }

    private sealed record LoadResult(double RequestsPerSecond, Samples Latency, CpuSpan Cpu, int InWindow, long Completed)
    {
        public double BrokerCpuMicrosecondsPerRequest => this.Cpu.Broker.TotalMicroseconds / this.InWindow;

        public double ClientCpuMicrosecondsPerRequest => this.Cpu.Harness.TotalMicroseconds / this.InWindow;
    }
}

using PrivSep.Bench.Measurement;
using PrivSep.Protocol.Contracts;
using PrivSep.Shim.Client;

namespace PrivSep.Bench.Figures;

/// <summary>
/// Figure 1: open a 4 KiB root-only (0600) file through the broker, read all of it through the passed descriptor, close —
/// against the raw round trip of a small frame to the echo process (target ≤ 3×) and a direct File.ReadAllBytes as root.
/// Measured twice on the broker side: on a BrokerChannel (the protocol alone) and through the Shim's BrokeredFileSystem
/// (what a rewritten plugin pays: absolute path, plugin identity, sync-over-async, error mapping).
/// </summary>
internal static class OpenReadFigure
{
    public const double TargetRatio = 3.0;

    /// <returns>The raw round trip, and the sequential file.stat round trip on a BrokerChannel (reported with figure 4),
    /// both from the same interleaved blocks as the opens so that every comparison is made under the same conditions.</returns>
    public static async Task<(Samples RawRoundTrip, Samples SequentialStat)> RunAsync(BenchContext context, ResultTable table)
    {
        string path = context.Directory.SmallFile;
        var buffer = new byte[8192];
        var request = new OpenFileRequest(path, FileMode.Open, FileAccess.Read, Plugin: BenchContext.PluginName);
        var stat = new PathRequest(path, BenchContext.PluginName);

        var samples = await Interleaved.MeasureAsync(
            warmupPerOperation: 100,
            rounds: 40,
            perRound: 50,
            new TimedOperation("raw round trip", context.Raw.RoundTripAsync),
            TimedOperation.Sync("direct File.ReadAllBytes", () => Check(File.ReadAllBytes(path).Length)),
            new TimedOperation("brokered, BrokerChannel", async () =>
            {
                var response = await context.Channel.Service.OpenFileAsync(request, CancellationToken.None).ConfigureAwait(false);
                using var stream = new FileStream(context.Channel.Stream.Received.Take(response.DescriptorSequence), FileAccess.Read, bufferSize: 0);
                Check(ReadToEnd(stream, buffer));
            }),
            TimedOperation.Sync("brokered, Shim", () =>
            {
                using var stream = BrokeredFileSystem.OpenFile(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
                Check(ReadToEnd(stream, buffer));
            }),
            TimedOperation.Sync("brokered, Shim, plugin named", () =>
            {
                // With the plugin named by the host, the Shim skips its stack walk (PluginIdentity.Current).
                using var scope = PluginIdentity.Use(BenchContext.PluginName);
                using var stream = BrokeredFileSystem.OpenFile(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
                Check(ReadToEnd(stream, buffer));
            }),
            new TimedOperation("sequential file.stat, BrokerChannel", async () => await context.Channel.Service.GetFileStatusAsync(stat, CancellationToken.None).ConfigureAwait(false)));
        var (raw, direct, channel, shim, named, statSamples) = (samples[0], samples[1], samples[2], samples[3], samples[4], samples[5]);

        table.Add(new("1. Raw length-prefixed round trip, 256 B each way, echo process (baseline)", ResultTable.Micros(raw.MedianMicroseconds), ResultTable.Micros(raw.P90Microseconds), "—", "—", "—", null));
        table.Add(new("1. Direct `File.ReadAllBytes` 4 KiB as root (baseline)", ResultTable.Micros(direct.MedianMicroseconds), ResultTable.Micros(direct.P90Microseconds), "—", "—", "—", null));
        AddVersus(table, "1. Brokered open + read 4 KiB 0600, `BrokerChannel` vs raw round trip", channel, raw, TargetRatio);
        AddVersus(table, "1. Brokered open + read 4 KiB 0600, Shim `BrokeredFileSystem.OpenFile` vs raw round trip", shim, raw, TargetRatio);
        AddVersus(table, "1. Brokered open + read 4 KiB 0600, Shim vs direct `File.ReadAllBytes`", shim, direct, target: null);
        table.Diagnostic(
            "Shim open + read 4 KiB: default (stack walk for the plugin name) / plugin named via `PluginIdentity.Use` / `BrokerChannel`, median",
            $"{ResultTable.Micros(shim.MedianMicroseconds)} / {ResultTable.Micros(named.MedianMicroseconds)} / {ResultTable.Micros(channel.MedianMicroseconds)}");
        return (raw, statSamples);
    }

    internal static void AddVersus(ResultTable table, string figure, Samples measured, Samples baseline, double? target)
    {
        double ratio = measured.MedianMicroseconds / baseline.MedianMicroseconds;
        table.Add(new(
            figure,
            ResultTable.Micros(measured.MedianMicroseconds),
            ResultTable.Micros(measured.P90Microseconds),
            ResultTable.Micros(baseline.MedianMicroseconds),
            ResultTable.Ratio(ratio),
            target is { } t ? $"≤ {t:0.#}×" : "—",
            target is { } limit ? ratio <= limit : null));
    }

    private static int ReadToEnd(Stream stream, byte[] buffer)
    {
        int total = 0;
        int n;
        while ((n = stream.Read(buffer, total, buffer.Length - total)) > 0)
        {
            total += n;
        }

        return total;
    }

    private static void Check(int length)
    {
        if (length != Setup.BenchDirectory.SmallFileBytes)
        {
            throw new InvalidOperationException($"Read {length} bytes of the 4 KiB file.");
        }
    }
}

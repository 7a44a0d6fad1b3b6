using PrivSep.Bench.Measurement;
using PrivSep.Bench.Setup;
using PrivSep.Shim.Client;

namespace PrivSep.Bench.Figures;

/// <summary>
/// Figure 2: read a 64 MiB root-only file to the end through a FileStream on the descriptor the broker passed, against
/// a FileStream the harness opens itself. Same FileStream buffer (4,096 B, the BCL default) and the same 80 KiB reads
/// (Stream.CopyTo's default) on both sides; the page cache is warm; each iteration includes its open and close.
/// </summary>
internal static class ThroughputFigure
{
    public const double TargetRatio = 0.95;
    private const int FileStreamBufferBytes = 4096;
    private const int ReadBytes = 81920;
    private const double MiB = 1024 * 1024;

    public static async Task RunAsync(BenchContext context, ResultTable table)
    {
        string path = context.Directory.LargeFile;
        var buffer = new byte[ReadBytes];
        var samples = await Interleaved.MeasureAsync(
            warmupPerOperation: 3,
            rounds: 20,
            perRound: 2,
            TimedOperation.Sync("direct FileStream", () =>
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileStreamBufferBytes);
                Drain(stream, buffer);
            }),
            TimedOperation.Sync("brokered FileStream", () =>
            {
                using var stream = BrokeredFileSystem.OpenFile(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileStreamBufferBytes);
                Drain(stream, buffer);
            }));
        var (direct, brokered) = (samples[0], samples[1]);

        // Throughput is size / time: the median time gives the median rate, the p90 time (slowest 10 %) the p90 rate.
        double directRate = Rate(direct.MedianMicroseconds);
        double brokeredRate = Rate(brokered.MedianMicroseconds);
        double ratio = brokeredRate / directRate;
        ReadPhaseOnly(path, buffer, table);
        table.Add(new("2. Direct `FileStream` read of 64 MiB, warm cache (baseline)", MiBps(directRate), MiBps(Rate(direct.P90Microseconds)), "—", "—", "—", null));
        table.Add(new("2. Brokered `FileStream` read of 64 MiB (open via broker included)", MiBps(brokeredRate), MiBps(Rate(brokered.P90Microseconds)), MiBps(directRate), ResultTable.Ratio(ratio), $"≥ {TargetRatio:0.00}×", ratio >= TargetRatio));
    }

    /// <summary>
    /// A diagnostic: the same reads with the clock started after the open, so the descriptor's own speed is seen apart
    /// from the cost of the brokered open (and whatever it leaves running on the 2 cores).
    /// </summary>
    private static void ReadPhaseOnly(string path, byte[] buffer, ResultTable table)
    {
        var direct = new Samples("direct, read only", 40);
        var brokered = new Samples("brokered, read only", 40);
        for (int round = 0; round < 40; round++)
        {
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileStreamBufferBytes))
            {
                long start = System.Diagnostics.Stopwatch.GetTimestamp();
                Drain(stream, buffer);
                direct.Add(System.Diagnostics.Stopwatch.GetTimestamp() - start);
            }

            using (var stream = BrokeredFileSystem.OpenFile(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileStreamBufferBytes))
            {
                long start = System.Diagnostics.Stopwatch.GetTimestamp();
                Drain(stream, buffer);
                brokered.Add(System.Diagnostics.Stopwatch.GetTimestamp() - start);
            }
        }

        table.Diagnostic(
            "64 MiB read phase only (open excluded): brokered / direct, median",
            $"{MiBps(Rate(brokered.MedianMicroseconds))} / {MiBps(Rate(direct.MedianMicroseconds))} = {ResultTable.Ratio(direct.MedianMicroseconds / brokered.MedianMicroseconds)}");
    }

    private static double Rate(double microseconds) => BenchDirectory.LargeFileBytes / MiB / (microseconds / 1_000_000.0);

    private static string MiBps(double rate) => ResultTable.Number(rate) + " MiB/s";

    private static void Drain(Stream stream, byte[] buffer)
    {
        long total = 0;
        int n;
        while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            total += n;
        }

        if (total != BenchDirectory.LargeFileBytes)
        {
            throw new InvalidOperationException($"Read {total} bytes of the 64 MiB file.");
        }
    }
}

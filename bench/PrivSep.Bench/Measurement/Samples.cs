using System.Diagnostics;

namespace PrivSep.Bench.Measurement;

/// <summary>Elapsed Stopwatch ticks of one operation, one per iteration, summarised as percentiles in microseconds.</summary>
internal sealed class Samples(string name, int capacity)
{
    private readonly long[] ticks = new long[capacity];
    private long[]? sorted;

    public string Name { get; } = name;

    public int Count { get; private set; }

    public void Add(long elapsedTicks)
    {
        this.ticks[this.Count++] = elapsedTicks;
        this.sorted = null;
    }

    public double MedianMicroseconds => this.PercentileMicroseconds(50);

    public double P90Microseconds => this.PercentileMicroseconds(90);

    /// <summary>Nearest-rank percentile: the smallest sample at or above <paramref name="percent"/>% of all samples.</summary>
    public double PercentileMicroseconds(double percent)
    {
        if (this.Count == 0)
        {
            throw new InvalidOperationException($"No samples for '{this.Name}'.");
        }

        this.sorted ??= this.ticks.AsSpan(0, this.Count).ToArray();
        Array.Sort(this.sorted);
        int rank = (int)Math.Ceiling(percent / 100.0 * this.Count);
        return ToMicroseconds(this.sorted[Math.Clamp(rank - 1, 0, this.Count - 1)]);
    }

    public static double ToMicroseconds(long stopwatchTicks) => stopwatchTicks * 1_000_000.0 / Stopwatch.Frequency;
}

using System.Diagnostics;
using System.Globalization;

namespace PrivSep.Bench.Rewriter;

/// <summary>One timed run: wall time, peak RSS reached during it, bytes allocated on the managed heap.</summary>
internal readonly record struct Sample(double Seconds, long PeakRssKiB, long AllocatedBytes);

internal static class Measurement
{
    /// <summary>
    /// Runs <paramref name="action"/> once, resetting the kernel's high-water mark first (writing 5 to /proc/self/clear_refs
    /// resets VmHWM to the current RSS), so VmHWM afterwards is the peak RSS of this run alone (plus what was resident before).
    /// </summary>
    public static Sample Run(Action action)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        ResetPeakRss();
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        var watch = Stopwatch.StartNew();
        action();
        watch.Stop();
        return new Sample(watch.Elapsed.TotalSeconds, ReadKiB("VmHWM"), GC.GetTotalAllocatedBytes(precise: true) - allocated);
    }

    public static double Median(IEnumerable<double> values)
    {
        double[] sorted = values.Order().ToArray();
        int middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    public static long ReadKiB(string field)
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                string value = line[(field.Length + 1)..].Trim();
                return long.Parse(value[..value.IndexOf(' ', StringComparison.Ordinal)], CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException($"/proc/self/status has no {field}");
    }

    private static void ResetPeakRss()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Older kernels: VmHWM is then the process's peak so far, which only overstates later runs.
        }
    }
}

using System.Globalization;

namespace PrivSep.Bench.Measurement;

/// <summary>What the kernel says about another process: /proc/PID/status and /proc/PID/stat.</summary>
internal static class ProcStatus
{
    /// <summary>USER_HZ: the unit of utime/stime in /proc/PID/stat; 100 on every Linux x86-64 and arm64 build.</summary>
    private const double ClockTicksPerSecond = 100.0;

    /// <summary>A "Name:   123 kB" field of /proc/PID/status, in KiB (VmRSS, VmHWM), or a plain count (Threads).</summary>
    public static long ReadStatusField(int pid, string field)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                var value = line[(field.Length + 1)..].Trim();
                int space = value.IndexOf(' ', StringComparison.Ordinal);
                return long.Parse(space < 0 ? value : value[..space], CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException($"/proc/{pid}/status has no '{field}' field.");
    }

    /// <summary>User + system CPU time the process has used so far (10 ms resolution).</summary>
    public static TimeSpan ReadCpuTime(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");

        // The command name (field 2) may hold spaces and parentheses; the fields after its last ')' are plain.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        long utime = long.Parse(fields[11], CultureInfo.InvariantCulture);
        long stime = long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds((utime + stime) / ClockTicksPerSecond);
    }

    /// <summary>CPU time all processes on the machine have used so far (user, nice, system, irq, softirq, steal; from /proc/stat).</summary>
    public static TimeSpan ReadMachineBusyTime()
    {
        string first = File.ReadLines("/proc/stat").First();
        var fields = first.Split(' ', StringSplitOptions.RemoveEmptyEntries);

        // cpu user nice system idle iowait irq softirq steal ...
        long busy = 0;
        foreach (int index in new[] { 1, 2, 3, 6, 7, 8 })
        {
            busy += long.Parse(fields[index], CultureInfo.InvariantCulture);
        }

        return TimeSpan.FromSeconds(busy / ClockTicksPerSecond);
    }

    /// <summary>
    /// Context switches (voluntary + involuntary) summed over the process's live threads. Every time a thread blocks
    /// and is woken again counts one, so the difference over N requests says how many thread hand-offs each costs.
    /// </summary>
    public static long ReadContextSwitches(int pid)
    {
        long total = 0;
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            try
            {
                foreach (var line in File.ReadLines(Path.Combine(task, "status")))
                {
                    if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal) || line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
                    {
                        total += long.Parse(line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim(), CultureInfo.InvariantCulture);
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The thread exited while being read; its switches are gone with it.
            }
        }

        return total;
    }
}

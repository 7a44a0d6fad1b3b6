using System.Globalization;

namespace PrivSep.EndToEnd.Tests.Fixture;

/// <summary>The kernel's list of processes (/proc), to see what a brokered command left behind.</summary>
internal static class ProcessTable
{
    /// <summary>Waits for a child of <paramref name="parent"/> whose argument vector is <paramref name="argv"/>; returns its pid.</summary>
    public static int WaitForChild(int parent, string[] argv, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            int[] found = ChildrenOf(parent).Where(pid => ArgvOf(pid) is { } actual && actual.SequenceEqual(argv)).ToArray();
            if (found.Length == 1)
            {
                return found[0];
            }

            if (found.Length > 1 || DateTime.UtcNow > deadline)
            {
                throw new AssertFailedException($"expected one child of pid {parent} running '{string.Join(' ', argv)}', found {found.Length}.");
            }

            Thread.Sleep(20);
        }
    }

    /// <summary>True once <paramref name="pid"/> is gone from /proc (killed and reaped) within <paramref name="timeout"/>.</summary>
    public static bool WaitUntilGone(int pid, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Directory.Exists($"/proc/{pid}"))
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            Thread.Sleep(20);
        }

        return true;
    }

    public static IEnumerable<int> ChildrenOf(int parent) =>
        Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) ? pid : 0)
            .Where(pid => pid > 0 && ParentOf(pid) == parent);

    /// <summary>
    /// The broker's children that are commands: all but the guardian of its command cgroup (a /bin/sh given the
    /// cgroup's directory, waiting on a pipe as long as the broker lives).
    /// </summary>
    public static IEnumerable<int> CommandsOf(int broker) =>
        ChildrenOf(broker).Where(pid => ArgvOf(pid) is not ["/bin/sh", "-c", _, var cgroup] || !cgroup.Contains("/privsep-broker-", StringComparison.Ordinal));

    private static int? ParentOf(int pid)
    {
        try
        {
            string? line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("PPid:", StringComparison.Ordinal));
            return line is null ? null : int.Parse(line["PPid:".Length..].Trim(), CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null; // ended while we looked
        }
    }

    private static string[]? ArgvOf(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").TrimEnd('\0').Split('\0');
        }
        catch (IOException)
        {
            return null;
        }
    }
}

namespace PrivSep.Broker.FileSystem;

/// <summary>
/// Refuses the broker's own /proc entries whatever the policy says: its environment, memory, descriptors and
/// credentials would hand the agent root's secrets. Checked on the resolved path, where /proc/self has already
/// become /proc/&lt;pid&gt; (and a thread's /proc/&lt;tid&gt; is just as much the broker).
/// </summary>
internal static class BrokerSelfGuard
{
    private static readonly int BrokerPid = Environment.ProcessId;

    public static bool IsBrokerOwnProcEntry(string resolvedPath)
    {
        if (!IsUnder(resolvedPath, "/proc", out string rest))
        {
            return false;
        }

        string first = rest.Split('/', 2)[0];
        if (first is "self" or "thread-self")
        {
            return true;
        }

        if (!int.TryParse(first, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int id))
        {
            return false;
        }

        return id == BrokerPid || Directory.Exists($"/proc/{BrokerPid}/task/{id}");
    }

    /// <summary>Segment-wise containment (never a string prefix test): "/procfoo" is not under "/proc".</summary>
    private static bool IsUnder(string path, string directory, out string rest)
    {
        rest = string.Empty;
        if (path.Length <= directory.Length + 1 || path[directory.Length] != '/' || !path.AsSpan(0, directory.Length).SequenceEqual(directory))
        {
            return false;
        }

        rest = path[(directory.Length + 1)..];
        return true;
    }
}

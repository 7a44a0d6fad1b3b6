using System.ComponentModel;
using System.Security.Cryptography;
using System.Text;
using PrivSep.Broker.Interop;

namespace PrivSep.Broker.Exec;

/// <summary>
/// A cgroup v2 of the broker's own (<c>privsep-broker-&lt;hash of the socket path&gt;-&lt;pid&gt;-&lt;random&gt;</c> below the
/// broker's cgroup, a new name at each start)
/// that every brokered command joins before it runs, so that everything a command starts — a shell's background job,
/// a daemonizing child that leaves its session — is in it, and dies with the broker.
/// <para>
/// Three mechanisms, each for a way the broker can end:
/// a clean stop kills each command's process group (<see cref="RunningCommand"/>);
/// a killed broker (SIGKILL, OOM) closes, in the kernel, the write end of a pipe whose read end a tiny guardian shell
/// started here waits on: on that end of file the guardian writes <c>1</c> to <c>cgroup.kill</c>, which kills the
/// whole cgroup, and removes it (commands also get SIGKILL themselves through their parent-death signal, see <see cref="CommandLauncher"/>);
/// and if even the guardian was killed, the next broker on the same socket finds its predecessors' cgroups (same hash,
/// another suffix) at start, kills what is left in them and removes them before it serves anyone. It never adopts one:
/// a dead broker's guardian may still be retrying its rmdir, and would remove the new broker's cgroup under it.
/// </para>
/// <para>
/// Unavailable without a writable cgroup v2 (cgroup v1 only, not root, or systemd's <c>ProtectControlGroups=yes</c>):
/// the broker says so at start. Under systemd the unit's own cgroup does the same job (<c>KillMode=control-group</c>).
/// </para>
/// </summary>
internal sealed class CommandCgroup : IDisposable
{
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The guardian, run by /bin/sh with the cgroup's directory as $0. It reads its stdin, a pipe only the broker writes
    /// to (close-on-exec, so no command inherits it), until end of file: when the broker is gone, by any death. Then
    /// it kills the cgroup and removes it once empty (at most 5 s), so a killed broker leaves no cgroup behind either.
    /// Its output goes nowhere: the pipes the broker gave it close with the broker, and a write to them would kill it.
    /// </summary>
    private const string GuardianScript =
        "exec >/dev/null 2>&1; read -r _; echo 1 > \"$0/cgroup.kill\"; n=0; until rmdir \"$0\" 2>/dev/null || [ $n -ge 50 ]; do sleep 0.1; n=$((n+1)); done";

    private readonly RunningCommand guardian;
    private volatile bool stopping;

    private CommandCgroup(string directory, RunningCommand guardian)
    {
        this.Directory = directory;
        this.guardian = guardian;
        _ = guardian.Exited.ContinueWith(
            exit =>
            {
                if (!this.stopping)
                {
                    BrokerLog.Warning($"the guardian of the command cgroup '{directory}' ended (status {(exit.IsCompletedSuccessfully ? exit.Result : -1)}): if the broker is killed now, processes its commands started may outlive it until the broker starts again.");
                }
            },
            TaskScheduler.Default);
    }

    /// <summary>The cgroup's directory in the cgroup file system.</summary>
    public string Directory { get; }

    /// <summary>The file a process writes "0" to in order to join the cgroup.</summary>
    public string ProcsPath => Path.Combine(this.Directory, "cgroup.procs");

    private static string KillPath(string directory) => Path.Combine(directory, "cgroup.kill");

    /// <summary>
    /// Creates a new command cgroup for the broker listening on <paramref name="socketPath"/> (killing what previous
    /// brokers on that socket left in theirs and removing those), or logs why there is none and returns null. Call only
    /// once the socket is bound: that proves no other broker uses this socket, so their processes are leftovers.
    /// </summary>
    public static CommandCgroup? OpenOrReport(string socketPath)
    {
        string? unavailable = null;
        CommandCgroup? cgroup = null;
        try
        {
            if (OwnCgroupDirectory(ref unavailable) is { } parent)
            {
                cgroup = Open(parent, "privsep-broker-" + Key(socketPath), ref unavailable);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            unavailable = $"cannot read the broker's cgroup from /proc: {ex.Message}";
        }

        if (cgroup is null)
        {
            string loss = $"no command cgroup ({unavailable}): brokered commands still die with the broker, but processes they start (a shell's background job) outlive a broker killed by SIGKILL";
            if (Environment.GetEnvironmentVariable("INVOCATION_ID") is { Length: > 0 })
            {
                BrokerLog.Info($"{loss} — under systemd the unit's cgroup kills them (KillMode=control-group).");
            }
            else
            {
                BrokerLog.Warning($"{loss}. Run the broker as root with a writable cgroup v2 (/sys/fs/cgroup), or under systemd.");
            }
        }

        return cgroup;
    }

    public void Dispose()
    {
        this.stopping = true;

        // End of file for the guardian: it kills the cgroup (empty by now: every command was killed with its
        // connection), removes it and exits.
        this.guardian.Stdin.Dispose();
        if (!this.guardian.Exited.Wait(SettleTimeout))
        {
            BrokerLog.Warning($"the guardian of the command cgroup '{this.Directory}' did not end within {SettleTimeout.TotalSeconds} s.");
        }

        this.guardian.Dispose();
        try
        {
            // The guardian removed it, unless something in it would not die.
            if (System.IO.Directory.Exists(this.Directory))
            {
                WaitUntilEmpty(this.Directory);
                System.IO.Directory.Delete(this.Directory);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            BrokerLog.Warning($"could not remove the command cgroup '{this.Directory}': {ex.Message}");
        }
    }

    /// <summary>
    /// Fails the start of a command, loudly, if the cgroup it is to join is gone (removed by something other than this
    /// broker): the joining shell would exit 2 before the command runs, and neither client nor log would say why.
    /// </summary>
    internal static void ThrowIfGone(string procsPath)
    {
        if (!File.Exists(procsPath))
        {
            string message = $"the broker's command cgroup '{Path.GetDirectoryName(procsPath)}' is gone (something other than this broker removed it), so no command can join it; restart the broker.";
            BrokerLog.Error(message);
            throw new Win32Exception(LibC.ENOENT, $"Cannot start a command: {message}");
        }
    }

    /// <param name="parent">The broker's own cgroup.</param>
    /// <param name="prefix">The name every broker on this socket uses, before its per-start suffix.</param>
    private static CommandCgroup? Open(string parent, string prefix, ref string? unavailable)
    {
        // A name no earlier broker had: a guardian of a killed predecessor still removing its own cgroup cannot take this one.
        string directory = Path.Combine(parent, $"{prefix}-{Environment.ProcessId}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}");
        try
        {
            RemoveStale(parent, prefix);
            if (System.IO.Directory.Exists(directory))
            {
                unavailable = $"'{directory}' exists already";
                return null;
            }

            System.IO.Directory.CreateDirectory(directory);

            if (!File.Exists(KillPath(directory)))
            {
                System.IO.Directory.Delete(directory);
                unavailable = "the kernel has no cgroup.kill (Linux 5.14 or later)";
                return null;
            }

            var guardian = CommandLauncher.StartHelper(CommandLauncher.ShellPath, ["-c", GuardianScript, directory]);
            return new CommandCgroup(directory, guardian);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Win32Exception)
        {
            unavailable = $"cannot use '{directory}': {ex.Message}";
            return null;
        }
    }

    /// <summary>The broker's own cgroup v2 directory: the cgroup2 mount point plus the path in /proc/self/cgroup.</summary>
    private static string? OwnCgroupDirectory(ref string? unavailable)
    {
        // mountinfo: "id parent major:minor root mountpoint options ... - fstype source superoptions".
        string? mountPoint = File.ReadLines("/proc/self/mountinfo")
            .Select(line => (Fields: line.Split(' '), Type: line.Split(" - ", 2) is [_, var after] ? after.Split(' ')[0] : null))
            .Where(m => m.Type == "cgroup2" && m.Fields.Length > 4)
            .Select(m => m.Fields[4])
            .FirstOrDefault();
        if (mountPoint is null)
        {
            unavailable = "no cgroup v2 file system is mounted";
            return null;
        }

        string? own = File.ReadLines("/proc/self/cgroup").FirstOrDefault(l => l.StartsWith("0::/", StringComparison.Ordinal))?[3..];
        if (own is null)
        {
            unavailable = "/proc/self/cgroup names no cgroup v2 of the broker";
            return null;
        }

        return mountPoint.TrimEnd('/') + own;
    }

    /// <summary>
    /// Kills what killed predecessors on this socket left in their cgroups (<paramref name="prefix"/>, or it with a
    /// suffix) and removes them. One whose guardian removes it meanwhile is gone, as wanted; one that cannot be emptied
    /// is reported and left: this broker does not use it.
    /// </summary>
    private static void RemoveStale(string parent, string prefix)
    {
        foreach (string stale in System.IO.Directory.EnumerateDirectories(parent))
        {
            string name = Path.GetFileName(stale);
            if (name != prefix && !name.StartsWith(prefix + "-", StringComparison.Ordinal))
            {
                continue;
            }

            try
            {
                KillLeftovers(stale);
                System.IO.Directory.Delete(stale);
            }
            catch (Exception ex) when (ex is DirectoryNotFoundException or FileNotFoundException)
            {
                // Its guardian removed it between the listing and here.
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                BrokerLog.Warning($"could not remove the command cgroup '{stale}' a previous broker on this socket left: {ex.Message} This broker uses a cgroup of its own.");
            }
        }
    }

    private static void KillLeftovers(string directory)
    {
        int count = File.ReadAllLines(Path.Combine(directory, "cgroup.procs")).Length;
        if (count == 0 && !IsPopulated(directory))
        {
            return;
        }

        File.WriteAllText(KillPath(directory), "1");
        WaitUntilEmpty(directory);
        BrokerLog.Warning($"killed {count} process(es) a previous broker on this socket left in '{directory}' (it and its guardian were killed).");
    }

    private static void WaitUntilEmpty(string directory)
    {
        var deadline = DateTime.UtcNow + SettleTimeout;
        while (IsPopulated(directory))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new IOException($"processes are still in '{directory}' {SettleTimeout.TotalSeconds} s after cgroup.kill.");
            }

            Thread.Sleep(20);
        }
    }

    /// <summary>Whether any process is in the cgroup or below it ("populated 1" in cgroup.events).</summary>
    private static bool IsPopulated(string directory) =>
        File.ReadLines(Path.Combine(directory, "cgroup.events")).Contains("populated 1", StringComparer.Ordinal);

    /// <summary>The same prefix for the same socket across restarts, so a broker finds what its predecessors left.</summary>
    private static string Key(string socketPath) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(socketPath)))[..16];
}

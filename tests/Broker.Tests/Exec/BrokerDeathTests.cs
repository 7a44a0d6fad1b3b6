using System.Globalization;
using PrivSep.Broker.Tests.Harness;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Broker.Tests.Exec;

/// <summary>
/// A broker killed with SIGKILL (no cleanup of its own runs) leaves no brokered command behind: the real broker
/// executable runs as a process, starts root commands for a client, and is killed.
/// </summary>
[TestClass]
public sealed class BrokerDeathTests
{
    private const string Policy = """
        {
          "version": 1,
          "agents": { "users": ["root"] },
          "files": { "read": [], "write": [], "deny": [] },
          "exec": [
            { "path": "/usr/bin/sleep", "args": ["*"], "timeoutSeconds": 600 },
            { "path": "/usr/bin/sh", "args": ["-c", "*"], "timeoutSeconds": 600 }
          ],
          "limits": { "handleIdleTimeoutSeconds": 600 }
        }
        """;

    private const string CgroupNamePrefix = "privsep-broker-";

    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(20);

    [TestMethod]
    public async Task A_command_dies_with_a_broker_killed_by_SIGKILL()
    {
        RequiresRoot.Check();
        string unique = UniqueSeconds();
        using var broker = SpawnedBroker.Start(Policy);
        await using var client = await TestClient.ConnectAsync(broker.SocketPath, File.ReadAllText(broker.SecretPath));
        await using var command = await ExecTestSession.StartAsync(client, "/usr/bin/sleep", unique);
        int sleeper = WaitForProcess(["/usr/bin/sleep", unique]);

        broker.KillHard();

        AssertGone(sleeper, $"the brokered 'sleep {unique}'");
    }

    [TestMethod]
    public async Task What_a_command_started_dies_with_a_broker_killed_by_SIGKILL()
    {
        RequiresRoot.Check();
        string first = UniqueSeconds();
        string second = UniqueSeconds();
        using var broker = SpawnedBroker.Start(Policy);
        await using var client = await TestClient.ConnectAsync(broker.SocketPath, File.ReadAllText(broker.SecretPath));
        await using var command = await ExecTestSession.StartAsync(client, "/usr/bin/sh", "-c", $"sleep {first} & sleep {second}");
        int background = WaitForProcess(["sleep", first]);
        int foreground = WaitForProcess(["sleep", second]);

        broker.KillHard();

        AssertGone(background, $"the command's background 'sleep {first}'");
        AssertGone(foreground, $"the command's 'sleep {second}'");
    }

    [TestMethod]
    public async Task A_broker_started_again_kills_what_its_killed_predecessor_left_when_even_the_guardian_was_killed()
    {
        RequiresRoot.Check();
        string unique = UniqueSeconds();
        using var broker = SpawnedBroker.Start(Policy);
        await using (var client = await TestClient.ConnectAsync(broker.SocketPath, File.ReadAllText(broker.SecretPath)))
        {
            await using var command = await ExecTestSession.StartAsync(client, "/usr/bin/sh", "-c", $"sleep {unique} & wait");
            int background = WaitForProcess(["sleep", unique]);
            int guardian = WaitForProcess(
                (pid, argv) => ParentOf(pid) == broker.Pid && argv is ["/bin/sh", "-c", _, var cgroup] && cgroup.Contains("/privsep-broker-", StringComparison.Ordinal),
                "the broker's cgroup guardian");

            KillNow(guardian);
            broker.KillHard();
            Assert.IsTrue(IsAlive(background), "with its guardian killed first, the background sleep survives the broker");

            broker.Restart();

            AssertGone(background, $"the leftover 'sleep {unique}'");
            _ = broker.WaitForLog("killed 1 process(es) a previous broker on this socket left in", 0, Generous);
        }
    }

    /// <summary>
    /// A killed broker's guardian may still be retrying to remove its cgroup when the next broker starts: the next one
    /// kills and removes it (and any other predecessor's) and never adopts it, or that rmdir would remove its cgroup.
    /// </summary>
    [TestMethod]
    public async Task A_broker_started_again_removes_its_predecessors_cgroups_and_runs_commands_in_one_of_its_own()
    {
        RequiresRoot.Check();
        string first = UniqueSeconds();
        string leftover = UniqueSeconds();
        string next = UniqueSeconds();
        using var broker = SpawnedBroker.Start(Policy);
        string before;
        await using (var client = await TestClient.ConnectAsync(broker.SocketPath, File.ReadAllText(broker.SecretPath)))
        {
            await using var command = await ExecTestSession.StartAsync(client, "/usr/bin/sleep", first);
            before = CgroupDirectoryOf(WaitForProcess(["/usr/bin/sleep", first]));
            broker.KillHard();
        }

        // A predecessor's cgroup for the same socket, still holding a process (one that was slow to die).
        string prefix = Path.GetFileName(before)[..(CgroupNamePrefix.Length + 16)];
        string stale = Path.Combine(Path.GetDirectoryName(before)!, prefix + "-1-stale");
        Directory.CreateDirectory(stale);
        using var straggler = System.Diagnostics.Process.Start("/usr/bin/sleep", leftover);
        try
        {
            File.WriteAllText(Path.Combine(stale, "cgroup.procs"), straggler.Id.ToString(CultureInfo.InvariantCulture));

            broker.Restart();

            AssertGone(straggler.Id, $"the 'sleep {leftover}' left in a predecessor's cgroup");
            Assert.IsTrue(WaitUntil(() => !Directory.Exists(stale)), $"the predecessor's cgroup '{stale}' was not removed");
            await using var client = await TestClient.ConnectAsync(broker.SocketPath, File.ReadAllText(broker.SecretPath));
            await using var command = await ExecTestSession.StartAsync(client, "/usr/bin/sleep", next);
            string after = CgroupDirectoryOf(WaitForProcess(["/usr/bin/sleep", next]));
            StringAssert.StartsWith(Path.GetFileName(after), prefix + "-", "the new broker's cgroup is named after its socket, with a suffix");
            Assert.AreNotEqual(before, after, "the new broker adopted its predecessor's cgroup");
        }
        finally
        {
            if (Directory.Exists(stale))
            {
                File.WriteAllText(Path.Combine(stale, "cgroup.kill"), "1");
                _ = WaitUntil(() => !IsAlive(straggler.Id));
                Directory.Delete(stale);
            }
        }
    }

    [TestMethod]
    public async Task A_command_whose_cgroup_something_else_removed_is_refused_with_a_clear_error_and_a_log_line()
    {
        RequiresRoot.Check();
        using var broker = SpawnedBroker.Start(Policy);
        await using var client = await TestClient.ConnectAsync(broker.SocketPath, File.ReadAllText(broker.SecretPath));
        int guardian = WaitForProcess(
            (pid, argv) => ParentOf(pid) == broker.Pid && argv is ["/bin/sh", "-c", _, var cgroup] && cgroup.Contains("/privsep-broker-", StringComparison.Ordinal),
            "the broker's cgroup guardian");
        string cgroup = ArgvOf(guardian)![3];

        // As a killed predecessor's guardian, retrying its rmdir on the same name, would.
        Directory.Delete(cgroup);

        var refusal = await BrokerAssert.FailsWith(BrokerErrorCode.IOFailure, () => ExecTestSession.StartAsync(client, "/usr/bin/sleep", UniqueSeconds()));
        StringAssert.Contains(refusal.Message, $"command cgroup '{cgroup}' is gone");
        _ = broker.WaitForLog($"command cgroup '{cgroup}' is gone", 0, Generous);
    }

    [TestMethod]
    public async Task Without_a_writable_cgroup_the_broker_says_so_at_start_and_its_command_still_dies_with_it()
    {
        RequiresRoot.Check();
        string unique = UniqueSeconds();

        // The broker in a mount namespace of its own where the cgroup v2 file system is read-only (as systemd's
        // ProtectControlGroups=yes makes it).
        string[] readOnlyCgroup =
        [
            "/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sh", "-c",
            "for m in $(findmnt -n -t cgroup2 -o TARGET); do mount -o remount,bind,ro \"$m\" || exit 1; done; exec \"$@\"", "sh",
        ];
        using var broker = SpawnedBroker.Start(Policy, readOnlyCgroup);
        _ = broker.WaitForLog("no command cgroup (cannot use", 0, Generous);
        await using var client = await TestClient.ConnectAsync(broker.SocketPath, File.ReadAllText(broker.SecretPath));
        await using var command = await ExecTestSession.StartAsync(client, "/usr/bin/sleep", unique);
        int sleeper = WaitForProcess(["/usr/bin/sleep", unique]);

        broker.KillHard();

        AssertGone(sleeper, $"the brokered 'sleep {unique}'");
    }

    /// <summary>Asserts <paramref name="pid"/> ends soon; kills it if not, so that a failing test leaves nothing behind.</summary>
    private static void AssertGone(int pid, string what)
    {
        if (!WaitUntilGone(pid))
        {
            KillNow(pid);
            Assert.Fail($"{what} (pid {pid}) outlived the killed broker");
        }
    }

    private static void KillNow(int pid)
    {
        using var process = System.Diagnostics.Process.GetProcessById(pid);
        process.Kill();
    }

    /// <summary>A time argument for sleep that no other process on the machine has: the test finds its processes by it.</summary>
    private static string UniqueSeconds() => string.Create(CultureInfo.InvariantCulture, $"300.{Random.Shared.Next(100_000, 999_999)}");

    /// <summary>Waits for the one live process whose argument vector is <paramref name="argv"/>; returns its pid.</summary>
    private static int WaitForProcess(string[] argv) =>
        WaitForProcess((_, actual) => actual.SequenceEqual(argv), $"a process running '{string.Join(' ', argv)}'");

    /// <summary>Waits for the one live process that <paramref name="match"/> (pid, argv) accepts; returns its pid.</summary>
    private static int WaitForProcess(Func<int, string[], bool> match, string what)
    {
        var deadline = DateTime.UtcNow + Generous;
        while (true)
        {
            int[] found = Directory.EnumerateDirectories("/proc")
                .Select(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) ? pid : 0)
                .Where(pid => pid > 0 && ArgvOf(pid) is { } argv && match(pid, argv) && IsAlive(pid))
                .ToArray();
            if (found.Length == 1)
            {
                return found[0];
            }

            if (found.Length > 1 || DateTime.UtcNow > deadline)
            {
                throw new AssertFailedException($"expected one {what}, found {found.Length}.");
            }

            Thread.Sleep(20);
        }
    }

    private static int? ParentOf(int pid)
    {
        try
        {
            string? line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("PPid:", StringComparison.Ordinal));
            return line is null ? null : int.Parse(line["PPid:".Length..].Trim(), CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static bool WaitUntilGone(int pid) => WaitUntil(() => !IsAlive(pid));

    private static bool WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Generous;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            Thread.Sleep(20);
        }

        return true;
    }

    /// <summary>Alive: present in /proc and not a zombie (a killed orphan is reaped by init, which may lag).</summary>
    private static bool IsAlive(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The cgroup v2 directory of a process: the cgroup2 mount point plus the "0::" path in /proc/pid/cgroup.</summary>
    private static string CgroupDirectoryOf(int pid)
    {
        string mountPoint = File.ReadLines("/proc/self/mountinfo")
            .Where(line => line.Split(" - ", 2) is [_, var after] && after.StartsWith("cgroup2 ", StringComparison.Ordinal))
            .Select(line => line.Split(' ')[4])
            .First();
        string own = File.ReadLines($"/proc/{pid}/cgroup").First(l => l.StartsWith("0::/", StringComparison.Ordinal))[3..];
        return mountPoint.TrimEnd('/') + own;
    }

    private static string[]? ArgvOf(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}

using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using PrivSep.Broker.Exec;
using PrivSep.Broker.Tests.Harness;

namespace PrivSep.Broker.Tests.Exec;

/// <summary>
/// Real processes started through <see cref="CommandLauncher"/>. Every command is disposed by its test, which kills
/// its process group and reaps it, so no test leaves a process behind.
/// </summary>
[TestClass]
public sealed class CommandLauncherTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(20);

    [TestMethod]
    public async Task Output_and_exit_code_are_read_from_the_pipes()
    {
        using var command = Start("/usr/bin/printf", "%s-%s", "abc", "42");
        var output = await ReadAllAsync(command, command.Stdout);
        Assert.AreEqual("abc-42", output);
        Assert.AreEqual(0, await command.Exited.WaitAsync(Generous));
    }

    [TestMethod]
    public async Task A_nonzero_exit_code_and_stderr_are_reported()
    {
        using var command = Start("/bin/sh", "-c", "echo oops >&2; exit 3");
        Assert.AreEqual("oops\n", await ReadAllAsync(command, command.Stderr));
        Assert.AreEqual(3, await command.Exited.WaitAsync(Generous));
    }

    [TestMethod]
    public async Task The_environment_is_exactly_PATH_and_LANG()
    {
        using var command = Start("/usr/bin/env");
        var lines = (await ReadAllAsync(command, command.Stdout)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        CollectionAssert.AreEquivalent(new[] { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8" }, lines);
        Assert.AreEqual(0, await command.Exited.WaitAsync(Generous));
    }

    [TestMethod]
    public async Task The_working_directory_is_the_root()
    {
        using var command = Start("/bin/pwd");
        Assert.AreEqual("/\n", await ReadAllAsync(command, command.Stdout));
        Assert.AreEqual(0, await command.Exited.WaitAsync(Generous));
    }

    [TestMethod]
    public async Task No_signal_is_blocked_or_ignored_in_the_child()
    {
        using var command = Start("/usr/bin/cat", "/proc/self/status");
        var status = (await ReadAllAsync(command, command.Stdout)).Split('\n');
        Assert.AreEqual("SigBlk:\t0000000000000000", status.Single(l => l.StartsWith("SigBlk:", StringComparison.Ordinal)));

        // Signals 32 and 33 are glibc's internal SIGCANCEL/SIGSETXID: sigfillset leaves them out and sigaction refuses
        // them, so posix_spawn cannot reset them (a disposition of SIG_IGN inherited there is harmless to glibc
        // programs, which install their own handlers for them). Every other signal must be at its default.
        var ignored = Convert.ToUInt64(status.Single(l => l.StartsWith("SigIgn:", StringComparison.Ordinal))["SigIgn:\t".Length..], 16);
        const ulong glibcInternal = (1UL << 31) | (1UL << 32);
        Assert.AreEqual(0UL, ignored & ~glibcInternal, $"ignored signals: {ignored:x16}");
    }

    [TestMethod]
    public async Task The_child_leads_its_own_session_and_process_group_without_a_terminal()
    {
        using var command = Start("/usr/bin/sleep", "60");
        var child = ProcStat.Read(command.Pid);
        var broker = ProcStat.Read(System.Environment.ProcessId);
        Assert.IsNotNull(child);
        Assert.IsNotNull(broker);

        Assert.AreEqual(command.Pid, command.ProcessGroupId);
        Assert.AreEqual(command.Pid, child.ProcessGroup, "own process group");
        Assert.AreEqual(command.Pid, child.Session, "own session");
        Assert.AreNotEqual(broker.ProcessGroup, child.ProcessGroup);
        Assert.AreNotEqual(broker.Session, child.Session);
        Assert.AreEqual(0, child.TtyNr, "no controlling terminal");

        command.KillGroup();
        Assert.AreEqual(128 + 9, await command.Exited.WaitAsync(Generous));
    }

    [TestMethod]
    public async Task KillGroup_kills_the_child_and_its_grandchildren()
    {
        using var command = Start("/bin/sh", "-c", "sleep 60 & sleep 60");
        await PollUntilAsync(() => ProcStat.LiveMembers(command.ProcessGroupId).Count >= 3, "the shell and both sleeps");

        command.KillGroup();
        command.KillGroup(); // idempotent
        Assert.AreEqual(128 + 9, await command.Exited.WaitAsync(Generous));
        await PollUntilAsync(() => ProcStat.LiveMembers(command.ProcessGroupId).Count == 0, "an empty process group");
        command.KillGroup(); // after the reap: nothing to do, no error
    }

    [TestMethod]
    public async Task What_the_command_leaves_running_is_killed_when_it_exits()
    {
        using var command = Start("/bin/sh", "-c", "sleep 60 & echo started");

        // The background sleep holds stdout open: reading to the end completes only once the group is killed.
        Assert.AreEqual("started\n", await ReadAllAsync(command, command.Stdout));
        Assert.AreEqual(0, await command.Exited.WaitAsync(Generous));
        await PollUntilAsync(() => ProcStat.LiveMembers(command.ProcessGroupId).Count == 0, "an empty process group");
    }

    [TestMethod]
    public async Task The_timeout_kills_the_group()
    {
        var stopwatch = Stopwatch.StartNew();
        using var command = CommandLauncher.Start(Spec("/usr/bin/sleep", ["60"]) with { Timeout = TimeSpan.FromMilliseconds(300) });
        Assert.AreEqual(128 + 9, await command.Exited.WaitAsync(Generous));
        Assert.IsTrue(command.TimedOut);
        Assert.IsLessThan(TimeSpan.FromSeconds(10), stopwatch.Elapsed);
    }

    [TestMethod]
    public async Task A_large_output_drains_without_deadlock()
    {
        using var command = Start("/usr/bin/head", "-c", "10M", "/dev/zero");
        using var stdout = new FileStream(command.Stdout, FileAccess.Read, bufferSize: 0);
        var buffer = new byte[65536];
        long total = 0;
        int read;
        var reading = Task.Run(() =>
        {
            while ((read = stdout.Read(buffer, 0, buffer.Length)) > 0)
            {
                total += read;
            }
        });
        await reading.WaitAsync(Generous);
        Assert.AreEqual(10L * 1024 * 1024, total);
        Assert.AreEqual(0, await command.Exited.WaitAsync(Generous));
    }

    [TestMethod]
    public async Task Stdin_reaches_the_child()
    {
        using var command = Start("/usr/bin/cat");
        using (var stdin = new FileStream(command.Stdin, FileAccess.Write, bufferSize: 0))
        {
            await stdin.WriteAsync(Encoding.UTF8.GetBytes("hello through the pipe\n"));
        }

        Assert.AreEqual("hello through the pipe\n", await ReadAllAsync(command, command.Stdout));
        Assert.AreEqual(0, await command.Exited.WaitAsync(Generous));
    }

    [TestMethod]
    public void A_missing_binary_gives_a_clear_exception()
    {
        var error = Assert.ThrowsExactly<Win32Exception>(() => CommandLauncher.Start(Spec("/usr/bin/privsep-no-such-binary", [])));
        Assert.AreEqual(2, error.NativeErrorCode);
        Assert.Contains("/usr/bin/privsep-no-such-binary", error.Message);
    }

    [TestMethod]
    public void A_missing_binary_run_as_another_user_gives_the_same_exception()
    {
        var error = Assert.ThrowsExactly<Win32Exception>(
            () => CommandLauncher.Start(Spec("/usr/bin/privsep-no-such-binary", []) with { Uid = 65534, Gid = 65534 }));
        Assert.AreEqual(2, error.NativeErrorCode);
        Assert.Contains("/usr/bin/privsep-no-such-binary", error.Message);
    }

    [TestMethod]
    public void A_relative_path_is_refused()
    {
        Assert.ThrowsExactly<ArgumentException>(() => CommandLauncher.Start(Spec("printf", ["x"])));
    }

    [TestMethod]
    public async Task The_command_runs_as_the_target_user_and_group_without_supplementary_groups()
    {
        RequiresRoot.Check();
        using var command = CommandLauncher.Start(Spec("/bin/sh", ["-c", "/usr/bin/id -u; /usr/bin/id -g; /usr/bin/id -G; grep ^CapEff /proc/self/status"]) with { Uid = 65534, Gid = 65534 });
        var lines = (await ReadAllAsync(command, command.Stdout)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.AreEqual(0, await command.Exited.WaitAsync(Generous), string.Join('\n', lines));
        CollectionAssert.AreEqual(new[] { "65534", "65534", "65534", "CapEff:\t0000000000000000" }, lines);
        Assert.AreEqual(command.Pid, command.ProcessGroupId);
    }

    [TestMethod]
    public async Task A_command_run_as_another_user_still_has_a_clean_environment_and_its_own_session()
    {
        RequiresRoot.Check();
        using var command = CommandLauncher.Start(Spec("/usr/bin/sleep", ["60"]) with { Uid = 65534, Gid = 65534 });
        await PollUntilAsync(() => File.ReadAllText($"/proc/{command.Pid}/comm").Trim() == "sleep", "setpriv to exec sleep");
        var child = ProcStat.Read(command.Pid);
        Assert.IsNotNull(child);
        Assert.AreEqual(command.Pid, child.Session);
        var environment = File.ReadAllText($"/proc/{command.Pid}/environ").Split('\0', StringSplitOptions.RemoveEmptyEntries);
        CollectionAssert.AreEquivalent(new[] { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8" }, environment);
        command.KillGroup();
        Assert.AreEqual(128 + 9, await command.Exited.WaitAsync(Generous));
    }

    [TestMethod]
    public async Task Dispose_kills_and_reaps_a_running_command()
    {
        var command = Start("/bin/sh", "-c", "sleep 60 & sleep 60");
        var group = command.ProcessGroupId;
        await PollUntilAsync(() => ProcStat.LiveMembers(group).Count >= 3, "the shell and both sleeps");
        command.Dispose();
        Assert.IsTrue(command.Exited.IsCompleted);
        Assert.IsFalse(Directory.Exists($"/proc/{command.Pid}") && ProcStat.Read(command.Pid)?.State == 'Z', "reaped, not a zombie");
        await PollUntilAsync(() => ProcStat.LiveMembers(group).Count == 0, "an empty process group");
        command.Dispose(); // idempotent
    }

    private static CommandSpec Spec(string path, string[] arguments) =>
        new(path, arguments, Uid: 0, Gid: 0, Timeout: TimeSpan.FromSeconds(30), MaxOutputBytes: 1 << 20);

    private static RunningCommand Start(string path, params string[] arguments) => CommandLauncher.Start(Spec(path, arguments));

    private static async Task<string> ReadAllAsync(RunningCommand command, Microsoft.Win32.SafeHandles.SafeFileHandle handle)
    {
        _ = command;
        var stream = new FileStream(handle, FileAccess.Read, bufferSize: 0);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await Task.Run(reader.ReadToEndAsync).WaitAsync(Generous);
    }

    private static async Task PollUntilAsync(Func<bool> condition, string what)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!condition())
        {
            if (stopwatch.Elapsed > TimeSpan.FromSeconds(5))
            {
                Assert.Fail($"Timed out waiting for {what}.");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>The fields of /proc/PID/stat these tests need (after the parenthesised command name).</summary>
    private sealed record ProcStat(char State, int ProcessGroup, int Session, int TtyNr)
    {
        public static ProcStat? Read(int pid)
        {
            string text;
            try
            {
                text = File.ReadAllText($"/proc/{pid}/stat");
            }
            catch (IOException)
            {
                return null; // gone
            }
            catch (UnauthorizedAccessException)
            {
                return null;
            }

            // Fields after "pid (comm) ": state(3) ppid(4) pgrp(5) session(6) tty_nr(7).
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            return new ProcStat(fields[0][0], int.Parse(fields[2]), int.Parse(fields[3]), int.Parse(fields[4]));
        }

        /// <summary>Processes in the group that are not zombies (a killed orphan's zombie is init's to reap).</summary>
        public static List<int> LiveMembers(int processGroup) =>
            [.. Directory.EnumerateDirectories("/proc")
                .Select(Path.GetFileName)
                .Where(name => name is not null && name.All(char.IsAsciiDigit))
                .Select(name => int.Parse(name!))
                .Where(pid => Read(pid) is { } stat && stat.ProcessGroup == processGroup && stat.State != 'Z')];
    }
}

using System.Diagnostics;
using System.Security.Cryptography;
using PrivSep.Broker.Tests.Actions;
using PrivSep.Broker.Tests.Harness;
using PrivSep.Protocol.Contracts;
using static PrivSep.Broker.Tests.Exec.ExecTestSession;

namespace PrivSep.Broker.Tests.Exec;

/// <summary>
/// exec.check / exec.start / exec.wait / exec.signal against a real in-process broker running real commands:
/// what runs, what is refused and why, what the client receives, and that nothing outlives its client.
/// </summary>
[TestClass]
public sealed class BrokeredCommandTests
{
    [TestMethod]
    public async Task An_allowed_command_reads_a_root_only_file_and_its_output_exit_code_and_audit_arrive()
    {
        RequiresRoot.Check();
        await using var broker = await TestBroker.StartAsync(ExecPolicy.Default);
        var secret = Path.Combine(broker.Root, "read", "disk-health");
        File.WriteAllText(secret, "SMART overall-health self-assessment test result: PASSED\n" + new string('x', 100));
        File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await using var client = await broker.ConnectAsync();

        await using var command = await StartAsync(client, "/usr/bin/head", "-c", "64", secret);
        var (end, stdout, stderr) = await command.CompleteAsync();

        Assert.AreEqual(File.ReadAllText(secret)[..64], stdout);
        Assert.AreEqual(string.Empty, stderr);
        Assert.IsTrue(end.Exited);
        Assert.AreEqual(0, end.ExitCode);
        Assert.AreEqual(0, end.Signal);
        Assert.AreEqual(64, end.StdoutBytes);
        var start = AuditTrail.Single(broker, "exec.start", "command", $"/usr/bin/head -c 64 {secret}", "allow", "ok");
        Assert.AreEqual($"exec[0] \"/usr/bin/head -c 64 {broker.Root}/read/*\"", start.Rule);
        Assert.AreEqual("ExecTests", start.Plugin);
        Assert.AreEqual(command.Started.Pid.ToString(), start.Arg("pid"));
        var exit = await WaitForExitLineAsync(broker, command.Started.Pid);
        Assert.AreEqual("exit 0", exit.Outcome);
        Assert.AreEqual("64", exit.Arg("stdoutBytes"));
        Assert.AreEqual("exited", exit.Arg("cause"));
    }

    [TestMethod]
    public async Task Stderr_stdin_and_a_non_zero_exit_code_are_relayed()
    {
        await using var broker = await TestBroker.StartAsync(ExecPolicy.Default);
        await using var client = await broker.ConnectAsync();

        await using var command = await StartAsync(client, "/usr/bin/sh", "-c", "read line; echo \"got $line\"; echo oops >&2; exit 3");
        await command.Stdin.WriteAsync("hello\n"u8.ToArray());
        var (end, stdout, stderr) = await command.CompleteAsync();

        Assert.AreEqual("got hello\n", stdout);
        Assert.AreEqual("oops\n", stderr);
        Assert.AreEqual(3, end.ExitCode);
        Assert.AreEqual(0, end.Signal);
    }

    [TestMethod]
    public async Task An_argument_outside_the_pattern_is_refused_naming_the_rule_and_nothing_runs()
    {
        await using var broker = await TestBroker.StartAsync(ExecPolicy.Default);
        await using var client = await broker.ConnectAsync();
        var processesBefore = ChildrenOfThisProcess();

        var start = await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => StartAsync(client, "/usr/bin/head", "-c", "64", "/etc/shadow"));
        var check = await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.Service.CheckCommandAsync(new ExecRequest("/usr/bin/head", ["-c", "64", "/etc/shadow"]), CancellationToken.None));

        foreach (var error in new[] { start, check })
        {
            Assert.Contains("/usr/bin/head -c 64 /etc/shadow", error.Message);
            Assert.Contains($"closest: exec[0] \"/usr/bin/head -c 64 {broker.Root}/read/*\"", error.Message);
        }

        CollectionAssert.AreEquivalent(processesBefore.ToList(), ChildrenOfThisProcess().ToList(), "a refused command must not start anything");
        AuditTrail.Single(broker, "exec.start", "command", "/usr/bin/head -c 64 /etc/shadow", "deny", "denied");
        AuditTrail.Single(broker, "exec.check", "command", "/usr/bin/head -c 64 /etc/shadow", "deny", "denied");
    }

    /// <summary>
    /// Issue 10: with "{root}/read/logs/*", head ran as root on "{root}/read/logs/../denied.txt" (a file files.deny
    /// names) and on a root-only file outside read/. A ".." segment is never matched: refused, audited, nothing runs.
    /// </summary>
    [TestMethod]
    public async Task A_dot_dot_argument_cannot_climb_out_of_its_pattern_and_nothing_runs()
    {
        RequiresRoot.Check();
        const string policy = """
            {
              "version": 1,
              "agents": { "users": ["root"] },
              "files": { "read": ["{root}/read/**"], "write": [], "deny": ["{root}/read/denied.txt"] },
              "exec": [{ "path": "/usr/bin/head", "args": ["-n", "3", "{root}/read/logs/*"] }],
              "limits": { "maxConnections": 8, "maxOpenHandles": 8, "handshakeTimeoutSeconds": 2 }
            }
            """;
        await using var broker = await TestBroker.StartAsync(policy);
        var logs = Directory.CreateDirectory(Path.Combine(broker.Root, "read", "logs")).FullName;
        File.WriteAllText(Path.Combine(logs, "app.log"), "allowed line\n");
        File.WriteAllText(Path.Combine(broker.Root, "read", "denied.txt"), "denied by files.deny\n");
        var rootOnly = Path.Combine(broker.Root, "root-only.txt");
        File.WriteAllText(rootOnly, "root only\n");
        File.SetUnixFileMode(rootOnly, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await using var client = await broker.ConnectAsync();
        var processesBefore = ChildrenOfThisProcess();

        foreach (var escape in new[] { $"{logs}/../denied.txt", $"{logs}/../../root-only.txt", $"{logs}/x/../../denied.txt" })
        {
            var error = await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => StartAsync(client, "/usr/bin/head", "-n", "3", escape));
            Assert.Contains("argv[3] has a '..' segment", error.Message);
            await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.Service.CheckCommandAsync(new ExecRequest("/usr/bin/head", ["-n", "3", escape]), CancellationToken.None));
            AuditTrail.Single(broker, "exec.start", "command", $"/usr/bin/head -n 3 {escape}", "deny", "denied");
        }

        CollectionAssert.AreEquivalent(processesBefore.ToList(), ChildrenOfThisProcess().ToList(), "a refused command must not start anything");
        Assert.IsEmpty(AuditTrail.Read(broker).Where(e => e.Action == "exec.exit"), "no command ran, so none exited");

        // The rule itself still works for what it names.
        await using var allowed = await StartAsync(client, "/usr/bin/head", "-n", "3", Path.Combine(logs, "app.log"));
        Assert.AreEqual("allowed line\n", (await allowed.CompleteAsync()).Stdout);
    }

    [TestMethod]
    public async Task The_sudoers_joined_string_attack_is_refused()
    {
        await using var broker = await TestBroker.StartAsync(ExecPolicy.Default);
        await using var client = await broker.ConnectAsync();
        var messages = Path.Combine(broker.Root, "read", "messages");

        // sudoers matches "cat /var/log/messages*" against the joined line, so a second file rides along; here the count differs.
        var error = await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => StartAsync(client, "/usr/bin/cat", messages, "/etc/shadow"));

        Assert.Contains("exec: arguments match no rule for /usr/bin/cat", error.Message);
    }

    [TestMethod]
    public async Task A_PATH_lookup_is_refused_and_an_unnamed_command_is_routed_to_run_unprivileged()
    {
        await using var broker = await TestBroker.StartAsync(ExecPolicy.Default);
        await using var client = await broker.ConnectAsync();

        var start = await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => StartAsync(client, "head", "-c", "64", "/etc/hostname"));
        Assert.Contains("never a PATH lookup", start.Message);
        var check = await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.Service.CheckCommandAsync(new ExecRequest("head", ["-c", "64", "x"]), CancellationToken.None));
        Assert.Contains("'head' is a PATH lookup", check.Message);
        Assert.Contains("/usr/bin/head", check.Message);

        var unnamed = await client.Service.CheckCommandAsync(new ExecRequest("/usr/bin/id", []), CancellationToken.None);
        Assert.AreEqual(ExecRoute.Local, unnamed.Route);
        var bareUnnamed = await client.Service.CheckCommandAsync(new ExecRequest("id", []), CancellationToken.None);
        Assert.AreEqual(ExecRoute.Local, bareUnnamed.Route);
        var allowed = await client.Service.CheckCommandAsync(new ExecRequest("/usr/bin/yes", []), CancellationToken.None);
        Assert.AreEqual(ExecRoute.Broker, allowed.Route);
        Assert.AreEqual("exec[3] \"/usr/bin/yes\"", allowed.Rule);
    }

    [TestMethod]
    public async Task Killing_the_command_through_the_broker_kills_its_whole_group()
    {
        await using var broker = await TestBroker.StartAsync(ExecPolicy.Default);
        await using var client = await broker.ConnectAsync();
        await using var command = await StartAsync(client, "/usr/bin/sh", "-c", "sleep 300 & echo $!; wait");
        var grandchild = await FirstLineAsPidAsync(command);

        await client.Service.SignalCommandAsync(new ExecSignalRequest(command.Started.Handle, 9), CancellationToken.None);
        var end = await command.WaitAsync();

        Assert.AreEqual(9, end.Signal);
        Assert.AreEqual(137, end.ExitCode);
        AssertGone(command.Started.Pid);
        AssertGone(grandchild);
        Assert.AreEqual("killed by the client", (await WaitForExitLineAsync(broker, command.Started.Pid)).Arg("cause"));
    }

    [TestMethod]
    public async Task A_client_that_disconnects_mid_command_leaves_no_process_behind()
    {
        await using var broker = await TestBroker.StartAsync(ExecPolicy.Default);
        var client = await broker.ConnectAsync();
        var command = await StartAsync(client, "/usr/bin/sh", "-c", "sleep 300 & echo $!; wait");
        var grandchild = await FirstLineAsPidAsync(command);

        await client.DisposeAsync();

        await WaitUntilGoneAsync(command.Started.Pid);
        await WaitUntilGoneAsync(grandchild);
        var exit = await WaitForExitLineAsync(broker, command.Started.Pid);
        Assert.AreEqual("handle closed or client disconnected", exit.Arg("cause"));
        Assert.AreEqual("signal 9", exit.Outcome);
        await command.DisposeAsync();
    }

    [TestMethod]
    public async Task A_stopping_broker_kills_the_commands_it_runs()
    {
        var broker = await TestBroker.StartAsync(ExecPolicy.Default);
        var client = await broker.ConnectAsync();
        var command = await StartAsync(client, "/usr/bin/sh", "-c", "sleep 300 & echo $!; wait");
        var grandchild = await FirstLineAsPidAsync(command);

        await broker.DisposeAsync();

        await WaitUntilGoneAsync(command.Started.Pid);
        await WaitUntilGoneAsync(grandchild);
        await client.DisposeAsync();
        await command.DisposeAsync();
    }

    [TestMethod]
    public async Task A_forwarded_SIGTERM_reaches_the_command_which_may_handle_it()
    {
        await using var broker = await TestBroker.StartAsync(ExecPolicy.Default);
        await using var client = await broker.ConnectAsync();
        await using var command = await StartAsync(client, "/usr/bin/sh", "-c", "trap 'echo terminated; exit 7' TERM; echo ready; while :; do sleep 0.05; done");
        await FirstLineAsync(command);

        await client.Service.SignalCommandAsync(new ExecSignalRequest(command.Started.Handle, 15), CancellationToken.None);
        var (end, stdout, _) = await command.CompleteAsync();

        Assert.AreEqual(7, end.ExitCode);
        Assert.AreEqual("ready\nterminated\n", stdout);
    }

    [TestMethod]
    public async Task A_signal_that_could_stop_or_confuse_the_command_is_refused()
    {
        await using var broker = await TestBroker.StartAsync(ExecPolicy.Default);
        await using var client = await broker.ConnectAsync();
        await using var command = await StartAsync(client, "/usr/bin/sleep", "5");

        var error = await BrokerAssert.FailsWith(BrokerErrorCode.InvalidArgument, () => client.Service.SignalCommandAsync(new ExecSignalRequest(command.Started.Handle, 19), CancellationToken.None));

        Assert.Contains("Signal 19 cannot be sent", error.Message);
    }

    [TestMethod]
    public async Task Twenty_megabytes_of_output_stream_through_without_deadlock()
    {
        await using var broker = await TestBroker.StartAsync(ExecPolicy.Default);
        await using var client = await broker.ConnectAsync();

        await using var command = await StartAsync(client, "/usr/bin/head", "-c", "20000000", "/dev/zero");
        var end = await command.WaitAsync();
        var stdout = await command.StdoutBytesAsync();

        Assert.AreEqual(0, end.ExitCode);
        Assert.AreEqual(20_000_000, stdout.Length);
        Assert.AreEqual(20_000_000, end.StdoutBytes);
        Assert.IsFalse(end.OutputLimitReached);
    }

    [TestMethod]
    public async Task Output_past_the_rules_cap_is_cut_there_and_the_command_killed()
    {
        await using var broker = await TestBroker.StartAsync(ExecPolicy.Default);
        await using var client = await broker.ConnectAsync();

        await using var command = await StartAsync(client, "/usr/bin/yes");
        var end = await command.WaitAsync();
        var stdout = await command.StdoutBytesAsync();

        Assert.AreEqual(100_000, stdout.Length, "exactly maxOutputBytes reach the client");
        Assert.IsTrue(end.OutputLimitReached);
        Assert.AreEqual(9, end.Signal);
        AssertGone(command.Started.Pid);
        Assert.AreEqual("output limit", (await WaitForExitLineAsync(broker, command.Started.Pid)).Arg("cause"));
    }

    [TestMethod]
    public async Task A_command_past_its_rules_timeout_is_killed()
    {
        await using var broker = await TestBroker.StartAsync(ExecPolicy.Default);
        await using var client = await broker.ConnectAsync();
        var clock = Stopwatch.StartNew();

        await using var command = await StartAsync(client, "/usr/bin/sleep", "300");
        var end = await command.WaitAsync();

        Assert.IsTrue(end.TimedOut);
        Assert.AreEqual(9, end.Signal);
        Assert.IsLessThan(TimeSpan.FromSeconds(10), clock.Elapsed);
        Assert.AreEqual("timeout", (await WaitForExitLineAsync(broker, command.Started.Pid)).Arg("cause"));
    }

    [TestMethod]
    public async Task The_running_command_limit_holds_across_connections_and_frees_when_one_ends()
    {
        await using var broker = await TestBroker.StartAsync(ExecPolicy.With("""{ "path": "/usr/bin/sleep", "args": ["*"] }""", limits: ", \"maxRunningCommands\": 1"));
        await using var first = await broker.ConnectAsync();
        await using var second = await broker.ConnectAsync();
        await using var running = await StartAsync(first, "/usr/bin/sleep", "300");

        var error = await BrokerAssert.FailsWith(BrokerErrorCode.QuotaExceeded, () => StartAsync(second, "/usr/bin/sleep", "1"));
        Assert.Contains("limits.maxRunningCommands", error.Message);

        await first.Service.SignalCommandAsync(new ExecSignalRequest(running.Started.Handle, 9), CancellationToken.None);
        await running.WaitAsync();
        await using var next = await StartAsync(second, "/usr/bin/sleep", "0");
        Assert.AreEqual(0, (await next.WaitAsync()).ExitCode);
    }

    [TestMethod]
    public async Task A_client_waiting_longer_than_the_handle_idle_timeout_keeps_its_command()
    {
        // handleIdleTimeoutSeconds 1: one wait of 10 s outlasts the idle timeout three times over; the handle is in use
        // for as long as the wait lasts, so the sweeper never takes the command, however slow the machine.
        await using var broker = await TestBroker.StartAsync(ExecPolicy.With("""{ "path": "/usr/bin/sleep", "args": ["*"] }""").Replace("\"handleIdleTimeoutSeconds\": 30", "\"handleIdleTimeoutSeconds\": 1", StringComparison.Ordinal));
        await using var client = await broker.ConnectAsync();
        await using var command = await StartAsync(client, "/usr/bin/sleep", "3");

        var end = await client.Service.WaitCommandAsync(new ExecWaitRequest(command.Started.Handle, 10_000), CancellationToken.None);

        Assert.IsTrue(end.Exited, "the one wait saw the end");
        Assert.AreEqual(0, end.ExitCode, "the command ran to its end: the sweeper never took it");
        Assert.AreEqual(0, end.Signal);
    }

    [TestMethod]
    public async Task A_wait_longer_than_the_request_timeout_answers_not_yet_instead_of_failing()
    {
        await using var broker = await TestBroker.StartAsync(ExecPolicy.With("""{ "path": "/usr/bin/sleep", "args": ["*"], "timeoutSeconds": 30 }""", limits: ", \"requestTimeoutSeconds\": 2"));
        await using var client = await broker.ConnectAsync();
        await using var command = await StartAsync(client, "/usr/bin/sleep", "3");

        var first = await client.Service.WaitCommandAsync(new ExecWaitRequest(command.Started.Handle, 10_000), CancellationToken.None);
        Assert.IsFalse(first.Exited, "a 10 s wait under a 2 s request timeout answers 'not yet' (after 1 s)");
        var end = await command.WaitAsync();
        Assert.AreEqual(0, end.ExitCode, "the command ran to its end");
    }

    [TestMethod]
    public async Task A_client_that_closes_its_stdout_makes_the_command_see_a_broken_pipe()
    {
        await using var broker = await TestBroker.StartAsync(ExecPolicy.Default);
        await using var client = await broker.ConnectAsync();
        // Under the shell rule's default cap (16 MiB), not the 100,000 bytes of the yes rule, which buffered output would reach first.
        var started = await client.Service.StartCommandAsync(new ExecRequest("/usr/bin/sh", ["-c", "exec yes"]), CancellationToken.None);
        client.Stream.Received.Take(started.StdinDescriptor).Dispose();
        client.Stream.Received.Take(started.StdoutDescriptor).Dispose();
        using var stderr = client.Stream.Received.Take(started.StderrDescriptor);

        ExecWaitResponse end;
        do
        {
            end = await client.Service.WaitCommandAsync(new ExecWaitRequest(started.Handle, 1000), CancellationToken.None);
        }
        while (!end.Exited);

        // yes dies of SIGPIPE, as under `yes | head -1`; it would otherwise run until its 30 s timeout.
        Assert.AreEqual(13, end.Signal, $"expected SIGPIPE, got signal {end.Signal}");
        Assert.IsFalse(end.OutputLimitReached);
    }

    [TestMethod]
    public async Task A_start_that_cannot_be_audited_is_refused_before_anything_runs()
    {
        RequiresRoot.Check();
        using var volume = TinyAuditVolume.Mount();

        // Its own scope: the broker and its log are gone before the volume is unmounted.
        {
            await using var broker = await TestBroker.StartAsync(ExecPolicy.Default, auditLogPath: volume.AuditLogPath);
            await using var client = await broker.ConnectAsync();
            await using (var before = await StartAsync(client, "/usr/bin/sh", "-c", "exit 0"))
            {
                await before.CompleteAsync();
            }

            // Fill the file system, then use up the space the log set aside with requests that hold nothing.
            volume.Fill();
            for (int attempt = 0; ; attempt++)
            {
                Assert.IsLessThan(2000, attempt, "the audit log never filled up");
                try
                {
                    await client.Service.CheckCommandAsync(new ExecRequest("/usr/bin/sh", ["-c", "exit 0"]), CancellationToken.None);
                }
                catch (StreamJsonRpc.RemoteInvocationException ex) when (ex.ErrorCode == (int)BrokerErrorCode.AuditUnavailable)
                {
                    break;
                }
            }

            // Room for the start's line (and its end's) is set aside before the spawn: without it, nothing runs.
            string marker = $"privsep-audit-full-{Guid.NewGuid():N}";
            await BrokerAssert.FailsWith(BrokerErrorCode.AuditUnavailable, () => StartAsync(client, "/usr/bin/sh", "-c", $"sleep 30 # {marker}"));
            await Task.Delay(200);
            Assert.IsEmpty(ProcessesWith(marker), "a start the audit log cannot record must not run");
        }
    }

    [TestMethod]
    public async Task Under_load_every_exec_exit_line_follows_its_exec_start_line()
    {
        await using var broker = await TestBroker.StartAsync(ExecPolicy.With("""{ "path": "/usr/bin/true", "args": [] }""", limits: ", \"maxRunningCommands\": 16"));
        var clients = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => broker.ConnectAsync()));
        try
        {
            await Task.WhenAll(clients.Select(async client =>
            {
                for (int i = 0; i < 15; i++)
                {
                    await using var command = await StartAsync(client, "/usr/bin/true");
                    await command.CompleteAsync();
                }
            }));
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }

        var lines = AuditTrail.Read(broker);
        var startSeq = lines.Where(l => l.Action == "exec.start").ToDictionary(l => l.Arg("pid")!, l => l.Seq);
        var exits = lines.Where(l => l.Action == "exec.exit").ToList();
        Assert.HasCount(90, startSeq);
        Assert.HasCount(90, exits);
        foreach (var exit in exits)
        {
            Assert.IsLessThan(exit.Seq, startSeq[exit.Arg("pid")!], $"exec.exit before exec.start for pid {exit.Arg("pid")}");
        }
    }

    [TestMethod]
    public async Task A_finished_commands_handle_is_freed_by_the_wait_that_reports_the_end()
    {
        await using var broker = await TestBroker.StartAsync(ExecPolicy.Default);
        await using var client = await broker.ConnectAsync();
        await using var command = await StartAsync(client, "/usr/bin/sleep", "0");
        await command.WaitAsync();

        await BrokerAssert.FailsWith(BrokerErrorCode.InvalidArgument, () => client.Service.WaitCommandAsync(new ExecWaitRequest(command.Started.Handle, 10), CancellationToken.None));
    }

    [TestMethod]
    public async Task A_binary_whose_hash_differs_from_the_rule_is_refused_and_the_right_hash_runs()
    {
        var actual = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes("/usr/bin/sleep")));
        var wrong = new string('0', 64);
        await using var broker = await TestBroker.StartAsync(ExecPolicy.With($$"""
            { "path": "/usr/bin/sleep", "args": ["0"], "sha256": "{{actual}}" },
            { "path": "/usr/bin/sleep", "args": ["1"], "sha256": "{{wrong}}" }
            """));
        await using var client = await broker.ConnectAsync();

        await using var good = await StartAsync(client, "/usr/bin/sleep", "0");
        Assert.AreEqual(0, (await good.WaitAsync()).ExitCode);
        var error = await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => StartAsync(client, "/usr/bin/sleep", "1"));
        Assert.Contains($"SHA-256 of '/usr/bin/sleep' is {actual}", error.Message);
    }

    [TestMethod]
    public async Task A_binary_in_a_directory_others_can_write_is_refused()
    {
        RequiresRoot.Check();
        await using var broker = await TestBroker.StartAsync(ExecPolicy.With("""{ "path": "{root}/bin/tool", "args": [] }"""));
        var tool = Path.Combine(broker.Root, "bin", "tool");
        Directory.CreateDirectory(Path.GetDirectoryName(tool)!);
        File.WriteAllText(tool, "#!/bin/sh\necho should-not-run\n");
        File.SetUnixFileMode(tool, (UnixFileMode)0x1ED); // 0755

        await using var client = await broker.ConnectAsync();
        var error = await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => StartAsync(client, tool));

        // The test tree lives under /tmp (1777): anyone could swap the file between the check and the exec.
        Assert.Contains("writable by its group or by others", error.Message);
        Assert.Contains("/tmp", error.Message);
    }

    [TestMethod]
    public async Task A_rule_with_a_user_runs_the_command_as_that_user_without_capabilities()
    {
        RequiresRoot.Check();
        await using var broker = await TestBroker.StartAsync(ExecPolicy.With("""{ "path": "/usr/bin/sh", "args": ["-c", "*"], "user": "nobody" }"""));
        await using var client = await broker.ConnectAsync();

        await using var command = await StartAsync(client, "/usr/bin/sh", "-c", "id -u; grep CapEff /proc/self/status");
        var (end, stdout, _) = await command.CompleteAsync();

        Assert.AreEqual(0, end.ExitCode);
        StringAssert.StartsWith(stdout, "65534\nCapEff:\t0000000000000000");
    }

    private static async Task<string> FirstLineAsync(ExecTestSession command)
    {
        // The first line arrives through the relay while the command still runs; read it from the live stream.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            var partial = await command.PeekStdoutAsync();
            var newline = partial.IndexOf('\n');
            if (newline >= 0)
            {
                return partial[..newline];
            }

            await Task.Delay(20);
        }

        throw new TimeoutException("The command printed no line within 10 s.");
    }

    private static async Task<int> FirstLineAsPidAsync(ExecTestSession command) => int.Parse(await FirstLineAsync(command), System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<AuditEntry> WaitForExitLineAsync(TestBroker broker, int pid)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            var lines = AuditTrail.For(broker, "exec.exit", "pid", pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (lines.Count > 0)
            {
                Assert.HasCount(1, lines, "one exec.exit line per command");
                return lines[0];
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"No exec.exit audit line for pid {pid} within 10 s.");
    }

    private static void AssertGone(int pid) => Assert.IsFalse(IsAlive(pid), $"process {pid} is still running");

    /// <summary>
    /// Running, as opposed to gone or dead: a killed grandchild is reparented to the container's init, which may be
    /// slow to reap it, and a zombie runs nothing.
    /// </summary>
    private static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return false;
        }
    }

    private static async Task WaitUntilGoneAsync(int pid)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (IsAlive(pid) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        AssertGone(pid);
    }

    private static List<int> ProcessesWith(string marker) =>
        [.. Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0)
            .Where(pid => pid > 0 && IsAlive(pid) && CommandLineOf(pid).Contains(marker, StringComparison.Ordinal))];

    private static string CommandLineOf(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }

    private static HashSet<int> ChildrenOfThisProcess()
    {
        var self = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var children = new HashSet<int>();
        foreach (var task in Directory.EnumerateDirectories($"/proc/{self}/task"))
        {
            var file = Path.Combine(task, "children");
            if (File.Exists(file))
            {
                foreach (var pid in File.ReadAllText(file).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    children.Add(int.Parse(pid, System.Globalization.CultureInfo.InvariantCulture));
                }
            }
        }

        return children;
    }
}

using System.Globalization;
using PrivSep.EndToEnd.Tests.Fixture;

namespace PrivSep.EndToEnd.Tests;

/// <summary>
/// Issue 6 end to end: a plugin compiled against the plain BCL and rewritten by the real <c>privsep</c> command
/// runs commands with <see cref="System.Diagnostics.Process"/> as the unprivileged test user. Allowed commands run as
/// root in the broker and the plugin holds privsep-relay's Process; everything else behaves as the issue says.
/// </summary>
[TestClass]
public sealed class BrokeredCommandTests
{
    private const string PluginName = "CommandPlugin";
    private const string PluginType = "Monitoring.CommandPlugin";
    private const string LargeOutputBytes = "20000000";
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Plain Process use, as monitoring plugins have it. A command is "PATH|ARG|ARG…" (or "PATH|ARGUMENT STRING" for the
    /// Arguments-string forms), because the client passes the plugin one string.
    /// </summary>
    private const string PluginSource = """
        using System;
        using System.Diagnostics;
        using System.IO;
        using System.Linq;
        using System.Threading.Tasks;

        namespace Monitoring;

        public static class CommandPlugin
        {
            private static Process? kept;

            public static string Run(string command) => Finish(Process.Start(Redirected(Command(command)))!);

            public static string RunWithArgumentString(string command)
            {
                string[] parts = command.Split('|');
                return Finish(Process.Start(Redirected(new ProcessStartInfo(parts[0], parts[1])))!);
            }

            public static string RunOwnProcess(string command)
            {
                using var process = new Process { StartInfo = Redirected(Command(command)), EnableRaisingEvents = true };
                var exited = new TaskCompletionSource();
                process.Exited += (_, _) => exited.TrySetResult();
                bool started = process.Start();
                string output = process.StandardOutput.ReadToEnd();
                process.WaitForExit();
                bool raised = exited.Task.Wait(TimeSpan.FromSeconds(10));
                return $"started {started}, exit {process.ExitCode}, has exited {process.HasExited}, Exited raised {raised}, file name {process.StartInfo.FileName}: {output}";
            }

            public static string Feed(string command)
            {
                var start = Redirected(Command(command));
                start.RedirectStandardInput = true;
                using var process = Process.Start(start)!;
                var output = process.StandardOutput.ReadToEndAsync();
                process.StandardInput.Write(new string('x', 100_000));
                process.StandardInput.Close();
                process.WaitForExit();
                return $"exit {process.ExitCode}: {output.Result.Trim()}";
            }

            public static string CountOutput(string command)
            {
                using var process = Process.Start(Redirected(Command(command)))!;
                var errors = process.StandardError.ReadToEndAsync();
                var buffer = new byte[81920];
                long total = 0;
                int read;
                while ((read = process.StandardOutput.BaseStream.Read(buffer, 0, buffer.Length)) > 0)
                {
                    total += read;
                }

                process.WaitForExit();
                return $"exit {process.ExitCode}, {total} bytes{errors.Result}";
            }

            public static string StartAndKeep(string command)
            {
                var start = Command(command);
                start.RedirectStandardInput = true;
                kept = Process.Start(start);
                return kept!.Id.ToString();
            }

            public static string WaitKept(string ignored)
            {
                kept!.WaitForExit();
                return $"exit {kept.ExitCode}";
            }

            public static string KillKept(string ignored)
            {
                kept!.Kill();
                kept.WaitForExit();
                return $"exit {kept.ExitCode}";
            }

            /// <summary>"PATH|ARG|ARG…" with an argument list.</summary>
            private static ProcessStartInfo Command(string command)
            {
                string[] parts = command.Split('|');
                return new ProcessStartInfo(parts[0], parts.Skip(1));
            }

            private static ProcessStartInfo Redirected(ProcessStartInfo start)
            {
                start.RedirectStandardOutput = true;
                start.RedirectStandardError = true;
                return start;
            }

            private static string Finish(Process process)
            {
                using (process)
                {
                    var errors = process.StandardError.ReadToEndAsync();
                    string output = process.StandardOutput.ReadToEnd();
                    process.WaitForExit();
                    return $"exit {process.ExitCode}: {output}{errors.Result}";
                }
            }
        }
        """;

    private static Deployment deployment = null!;
    private static BrokerProcess broker = null!;
    private static string plugin = null!;

    private static string AuthLog => Path.Combine(deployment.Logs, "auth.log");

    private static string XReport => Path.Combine(deployment.Logs, "x-report");

    private static IReadOnlyDictionary<string, string> RelayEnvironment => new Dictionary<string, string>
    {
        ["PRIVSEP_RELAY"] = Path.Combine(deployment.Binaries, "privsep-relay.dll"),
    };

    [ClassInitialize]
    public static void RewritePluginAndStartBroker(TestContext context)
    {
        RequiresRoot.Check();
        deployment = Deployment.Create(d => $$"""
            { "path": "/usr/bin/head", "args": ["-c", "64", "{{d.Logs}}/auth.log"] },
            { "path": "/usr/bin/head", "args": ["-c", "{{LargeOutputBytes}}", "/dev/zero"], "maxOutputBytes": 33554432 },
            { "path": "/usr/bin/cat", "args": ["{{d.Logs}}/x*"] },
            { "path": "/usr/bin/sleep", "args": ["300"] },
            { "path": "/usr/bin/id", "args": ["-u"] },
            { "path": "/usr/bin/wc", "args": ["-c"] },
            { "path": "/usr/bin/test", "args": ["-e", "/nonexistent-privsep-e2e"] }
            """);
        Deployment.WriteRootOnly(XReport, "x report, root only\n");

        string compiled = Path.Combine(deployment.Root, "command-plugin");
        string rewritten = Path.Combine(deployment.Root, "command-plugin-rewritten");
        PluginCompiler.Compile(compiled, PluginName, PluginSource);
        var rewrite = PrivSepCommand.Run("rewrite", compiled, "--out", rewritten);
        Assert.AreEqual(0, rewrite.ExitCode, rewrite.ToString());
        StringAssert.Contains(rewrite.Output, "rewrote 6 call sites", rewrite.ToString());
        Deployment.MakeReadableByAll(rewritten);
        plugin = Path.Combine(rewritten, PluginName + ".dll");
        broker = BrokerProcess.Start(deployment);
    }

    [ClassCleanup]
    public static void StopBroker()
    {
        broker?.StopExpectingCleanExit();
        deployment?.Dispose();
    }

    [TestInitialize]
    public void EnsureRoot() => RequiresRoot.Check();

    [TestMethod]
    public void An_allowed_command_reads_a_root_only_file_as_root_and_the_plugin_gets_its_output_and_exit_code()
    {
        var results = Run(
            "Run", $"/usr/bin/head|-c|64|{AuthLog}",
            "Run", "/usr/bin/id|-u",
            "Run", "/usr/bin/test|-e|/nonexistent-privsep-e2e",
            "RunOwnProcess", "/usr/bin/id|-u");

        Assert.AreEqual($"exit 0: {Deployment.AuthLogContent}", Value(results[0]));
        Assert.AreEqual("exit 0: 0\n", Value(results[1]), "the broker ran it as root");
        Assert.AreEqual("exit 1: ", Value(results[2]), "the command's exit code is the Process's");
        Assert.AreEqual("started True, exit 0, has exited True, Exited raised True, file name /usr/bin/id: 0\n", Value(results[3]));

        var audit = File.ReadAllLines(deployment.AuditPath);
        Assert.IsTrue(
            audit.Any(l => l.Contains("\"action\":\"exec.start\"", StringComparison.Ordinal) && l.Contains($"\"plugin\":\"{PluginName}\"", StringComparison.Ordinal) && l.Contains("auth.log", StringComparison.Ordinal)),
            "exec.start is audited with the plugin's name:\n" + string.Join("\n", audit.TakeLast(20)));
        Assert.IsTrue(audit.Any(l => l.Contains("\"action\":\"exec.exit\"", StringComparison.Ordinal) && l.Contains("\"outcome\":\"exit 1\"", StringComparison.Ordinal)), "exec.exit is audited with the exit code");
    }

    [TestMethod]
    public void The_relay_passes_stdin_to_the_command_and_its_end_as_end_of_input()
    {
        Assert.AreEqual("exit 0: 100000", Value(Run("Feed", "/usr/bin/wc|-c").Single()));
    }

    [TestMethod]
    public void Large_output_is_streamed_to_the_end_without_deadlock()
    {
        Assert.AreEqual($"exit 0, {LargeOutputBytes} bytes", Value(Run("CountOutput", $"/usr/bin/head|-c|{LargeOutputBytes}|/dev/zero").Single()));
    }

    [TestMethod]
    public void Arguments_outside_the_rule_are_a_Win32Exception_naming_the_rule_and_nothing_runs()
    {
        var result = Run("Run", $"/usr/bin/head|-c|4096|{AuthLog}").Single();

        AssertRefused(result, "exec[0]");
        StringAssert.Contains(result.Message, "Permission denied");
        AssertNeverStarted("-c 4096 ");
    }

    [TestMethod]
    public void A_PATH_lookup_of_a_named_command_is_refused_with_the_absolute_path_to_use()
    {
        var result = Run("Run", $"head|-c|64|{AuthLog}").Single();

        AssertRefused(result, "/usr/bin/head");
    }

    [TestMethod]
    public void The_sudoers_joined_string_attack_is_refused_while_the_rule_itself_works()
    {
        string shadow = Path.Combine(deployment.Logs, "shadow.log");
        var results = Run(
            "RunWithArgumentString", $"/usr/bin/cat|{deployment.Logs}/x {shadow}",
            "RunWithArgumentString", $"/usr/bin/cat|{XReport}");

        AssertRefused(results[0], "exec[2]");
        AssertNeverStarted("shadow.log");
        Assert.AreEqual("exit 0: x report, root only\n", Value(results[1]));
    }

    [TestMethod]
    public void A_command_no_rule_names_runs_unprivileged_as_before()
    {
        var results = Run("Run", "/usr/bin/whoami", "Run", $"/usr/bin/tail|-c|8|{AuthLog}");

        Assert.AreEqual($"exit 0: {TestUser.Name}\n", Value(results[0]));
        StringAssert.StartsWith(Value(results[1]), "exit 1: ", "the kernel refuses the unprivileged tail");
        StringAssert.Contains(results[1].Value, "Permission denied");
    }

    [TestMethod]
    public void Kill_from_the_plugin_kills_the_privileged_child()
    {
        var (agent, relay, child) = StartSleepingCommand("sleep", "2000", "plugin", plugin, PluginType, "KillKept", "-");
        using (agent)
        {
            Assert.AreEqual("slept", Value(agent.ReadOne()));
            Assert.AreEqual("exit 137", Value(agent.ReadOne()));
        }

        Assert.IsTrue(ProcessTable.WaitUntilGone(relay, Generous), "the relay is gone");
        Assert.IsTrue(ProcessTable.WaitUntilGone(child, Generous), $"the privileged child {child} outlived the plugin's Kill()");
    }

    [TestMethod]
    public void Killing_the_agent_mid_command_kills_the_relay_and_the_privileged_child()
    {
        var (agent, relay, child) = StartSleepingCommand("sleep", "60000");
        using (agent)
        {
            agent.Kill();
        }

        Assert.IsTrue(ProcessTable.WaitUntilGone(relay, Generous), $"the relay {relay} outlived the agent");
        Assert.IsTrue(ProcessTable.WaitUntilGone(child, Generous), $"the privileged child {child} outlived the agent");
        Assert.IsEmpty(ProcessTable.CommandsOf(broker.Pid).ToList(), "the broker has no command left");
    }

    [TestMethod]
    public void SIGTERM_to_the_relay_is_forwarded_to_the_command_whose_end_is_the_relays()
    {
        var (agent, relay, child) = StartSleepingCommand("plugin", plugin, PluginType, "WaitKept", "-");
        using (agent)
        {
            // The child is there, so the relay has sent exec.start, which it does only with its forwarder registered:
            // the signal reaches the command, whichever moment of the relay's run it arrives at.
            Assert.AreEqual(0, TestUser.Run("kill", "-TERM", relay.ToString(CultureInfo.InvariantCulture)));

            Assert.AreEqual("exit 143", Value(agent.ReadOne()), "128 + SIGTERM, the command's end as a local child's");
        }

        Assert.IsTrue(ProcessTable.WaitUntilGone(child, Generous), $"the privileged child {child} outlived SIGTERM");
        var audit = File.ReadAllLines(deployment.AuditPath);
        Assert.IsTrue(audit.Any(l => l.Contains("\"action\":\"exec.signal\"", StringComparison.Ordinal)), "the forwarded signal is audited");
        Assert.IsTrue(
            audit.Any(l => l.Contains("\"action\":\"exec.exit\"", StringComparison.Ordinal) && l.Contains($"\"{child}\"", StringComparison.Ordinal) && l.Contains("\"outcome\":\"signal 15\"", StringComparison.Ordinal)),
            "the command itself ended by SIGTERM, not killed for a lost connection:\n" + string.Join("\n", audit.TakeLast(6)));
    }

    /// <summary>
    /// Starts an agent whose plugin starts the allowed <c>/usr/bin/sleep 300</c> and keeps its Process, then runs
    /// <paramref name="thenCommands"/>; returns the agent, the relay's pid (the plugin's Process.Id) and the privileged child's.
    /// </summary>
    private static (AgentProcess Agent, int Relay, int Child) StartSleepingCommand(params string[] thenCommands)
    {
        var agent = AgentProcess.Start(deployment, RelayEnvironment, ["plugin", plugin, PluginType, "StartAndKeep", "/usr/bin/sleep|300", .. thenCommands]);
        int relay = int.Parse(Value(agent.ReadOne()), CultureInfo.InvariantCulture);
        int child = ProcessTable.WaitForChild(broker.Pid, ["/usr/bin/sleep", "300"], Generous);
        return (agent, relay, child);
    }

    private static IReadOnlyList<AgentResult> Run(params string[] methodsAndCommands)
    {
        var commands = new List<string>();
        for (int i = 0; i < methodsAndCommands.Length; i += 2)
        {
            commands.AddRange(["plugin", plugin, PluginType, methodsAndCommands[i], methodsAndCommands[i + 1]]);
        }

        var results = AgentProcess.Run(deployment, RelayEnvironment, [.. commands]);
        Assert.HasCount(methodsAndCommands.Length / 2, results, string.Join("\n", results));
        return results;
    }

    private static string Value(AgentResult result)
    {
        Assert.IsTrue(result.Ok, result.ToString());
        return result.Value!;
    }

    /// <summary>
    /// Nothing ran for the refused command whose audited form contains <paramref name="commandFragment"/>: the broker
    /// was asked (exec.check, denied) and never to start it (no exec.start, allowed or not). Without a relay there is no
    /// brokered command, and the Shim's refusal is the plugin's exception, so no local one either.
    /// </summary>
    private static void AssertNeverStarted(string commandFragment)
    {
        var audit = File.ReadAllLines(deployment.AuditPath).Where(l => l.Contains(commandFragment, StringComparison.Ordinal)).ToList();
        string shown = string.Join("\n", audit);
        Assert.IsTrue(
            audit.Any(l => l.Contains("\"action\":\"exec.check\"", StringComparison.Ordinal) && l.Contains("\"decision\":\"deny\"", StringComparison.Ordinal)),
            $"the broker refused the check of '{commandFragment}':\n{shown}");
        Assert.IsFalse(audit.Any(l => l.Contains("\"action\":\"exec.start\"", StringComparison.Ordinal)), $"'{commandFragment}' was started:\n{shown}");
    }

    private static void AssertRefused(AgentResult result, string named)
    {
        Assert.IsFalse(result.Ok, "refused: " + result);
        Assert.AreEqual("Win32Exception", result.Error, result.ToString());
        StringAssert.StartsWith(result.Message, "An error occurred trying to start process", result.ToString());
        StringAssert.Contains(result.Message, named, result.ToString());
    }
}

using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using PrivSep.Protocol.Contracts;
using PrivSep.Shim.Client;
using PrivSep.Shim.Replacements;
using PrivSep.Shim.Tests.Support;

namespace PrivSep.Shim.Tests.Replacements;

/// <summary>
/// Process.Start's replacements when a rule allows the command: the plugin's Process becomes privsep-relay's, started with
/// the command after "--", the Shim's broker settings and the agent's pid, the plugin's own redirections and working
/// directory, and a StartInfo that reads as the plugin wrote it once the start is over. A <see cref="RelayProbe"/> stands in
/// for the relay, so what the Shim hands over is observed exactly.
/// </summary>
[TestClass]
public sealed class ProcessBrokeredStartTests
{
    private const string Plugin = "DiskHealth";
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    [TestMethod]
    public async Task ThePluginsProcessBecomesTheRelayAndBehavesAsALocalChild()
    {
        using var probe = new RelayProbe();
        var broker = AllowingBroker();
        using var scope = RoutingScope.AllToBroker(broker).WithRelay(probe.Path);
        using var _ = PluginIdentity.Use(Plugin);
        using var temp = new TempDirectory();
        var start = new ProcessStartInfo("/usr/bin/head", ["-c", "64", "/etc/shadow"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            WorkingDirectory = temp.Path,
        };
        start.Environment["PRIVSEP_SOCKET"] = "/the/plugins/own.sock";
        using var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var exited = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.Exited += (_, _) => exited.TrySetResult();

        Assert.IsTrue(ProcessShims.Start(process));
        process.StandardInput.WriteLine("to the command");
        process.StandardInput.Close();

        Assert.AreEqual("to the command\n", await process.StandardOutput.ReadToEndAsync().WaitAsync(Generous));
        await exited.Task.WaitAsync(Generous);
        Assert.IsTrue(process.HasExited);
        Assert.AreEqual(RelayProbe.ExitCode, process.ExitCode);
        Assert.AreEqual(probe.Pid, process.Id);
        CollectionAssert.AreEqual(new[] { "--plugin", Plugin, "--stdin", "--", "/usr/bin/head", "-c", "64", "/etc/shadow" }, probe.Arguments, "stdin is redirected: the relay relays it");
        CollectionAssert.AreEqual(
            new[] { RoutingScope.NonexistentSocket, ShimSettings.Current.SecretFilePath, Environment.ProcessId.ToString(CultureInfo.InvariantCulture) },
            probe.Variables,
            "the relay talks to the Shim's broker and knows the agent's pid");
        Assert.AreEqual(temp.Path, probe.WorkingDirectory, "the working directory applies to the relay");

        // The StartInfo reads as the plugin wrote it.
        Assert.AreSame(start, process.StartInfo);
        Assert.AreEqual("/usr/bin/head", start.FileName);
        CollectionAssert.AreEqual(new[] { "-c", "64", "/etc/shadow" }, start.ArgumentList.ToArray());
        Assert.AreEqual(string.Empty, start.Arguments);
        Assert.AreEqual("/the/plugins/own.sock", start.Environment["PRIVSEP_SOCKET"]);
        Assert.IsFalse(start.Environment.ContainsKey("PRIVSEP_RELAY_PARENT"));
    }

    [TestMethod]
    public void StaticStartReturnsTheRelaysProcessWithThePluginsStartInfo()
    {
        using var probe = new RelayProbe();
        var broker = AllowingBroker();
        using var scope = RoutingScope.AllToBroker(broker).WithRelay(probe.Path);
        var start = new ProcessStartInfo("/usr/bin/cat", "/var/log/x \"/var/log/y z\"") { RedirectStandardInput = true };

        using var process = ProcessShims.Start(start)!;
        process.StandardInput.Close();

        Assert.IsTrue(process.WaitForExit(Generous));
        Assert.AreEqual(RelayProbe.ExitCode, process.ExitCode);
        Assert.AreSame(start, process.StartInfo);
        Assert.AreEqual("/var/log/x \"/var/log/y z\"", start.Arguments);
        Assert.IsEmpty(start.ArgumentList);
        CollectionAssert.AreEqual(new[] { "--", "/usr/bin/cat", "/var/log/x", "/var/log/y z" }, probe.Arguments[^4..]);
        CollectionAssert.AreEqual(new[] { "/var/log/x", "/var/log/y z" }, broker.CommandChecks.Single().Arguments.ToArray());
    }

    [TestMethod]
    public void FileNameOverloadsStartTheRelayToo()
    {
        var cases = new (Func<Process> Start, string[] Command)[]
        {
            (() => ProcessShims.Start("/usr/sbin/dmidecode"), ["/usr/sbin/dmidecode"]),
            (() => ProcessShims.Start("/usr/sbin/dmidecode", "-t memory"), ["/usr/sbin/dmidecode", "-t", "memory"]),
            (() => ProcessShims.Start("/usr/sbin/dmidecode", ["-t", "memory"]), ["/usr/sbin/dmidecode", "-t", "memory"]),
        };

        foreach (var (startCommand, command) in cases)
        {
            // Not redirected: the relay would share the test host's stdin, so this probe leaves it alone.
            using var probe = new RelayProbe(copyStdin: false);
            using var scope = RoutingScope.AllToBroker(AllowingBroker()).WithRelay(probe.Path);
            using var process = startCommand();

            Assert.IsTrue(process.WaitForExit(Generous));
            Assert.AreEqual(RelayProbe.ExitCode, process.ExitCode);
            CollectionAssert.AreEqual(command, probe.Arguments[^command.Length..]);
            CollectionAssert.DoesNotContain(probe.Arguments, "--stdin", "the relay's stdin is the agent's own: it must not read it");
        }
    }

    [TestMethod]
    public void KillEndsTheRelay()
    {
        using var probe = new RelayProbe();
        using var scope = RoutingScope.AllToBroker(AllowingBroker()).WithRelay(probe.Path);
        using var process = ProcessShims.Start(new ProcessStartInfo("/usr/bin/tail", "-f /var/log/syslog") { RedirectStandardInput = true })!;
        Assert.AreEqual(process.Id, probe.Pid, "started");

        process.Kill();

        Assert.IsTrue(process.WaitForExit(Generous));
        Assert.AreEqual(128 + 9, process.ExitCode);
        Assert.IsFalse(Directory.Exists($"/proc/{probe.Pid}"), "the relay is still there");
    }

    [TestMethod]
    public void ShellExecutionOfABrokeredCommandRunsTheRelayDirectly()
    {
        using var probe = new RelayProbe(copyStdin: false);
        using var scope = RoutingScope.AllToBroker(AllowingBroker()).WithRelay(probe.Path);
        var start = new ProcessStartInfo("/usr/sbin/smartctl", "-a /dev/sda") { UseShellExecute = true };

        using var process = ProcessShims.Start(start)!;

        Assert.IsTrue(process.WaitForExit(Generous));
        Assert.AreEqual(RelayProbe.ExitCode, process.ExitCode);
        Assert.AreEqual(process.Id, probe.Pid);
        Assert.IsTrue(start.UseShellExecute, "restored");
    }

    [TestMethod]
    public void AMissingRelayIsAWin32ExceptionThatSaysHowToInstallIt()
    {
        const string Missing = "/nonexistent/libexec/privsep-relay";
        using var scope = RoutingScope.AllToBroker(AllowingBroker()).WithRelay(Missing);
        var start = new ProcessStartInfo("/usr/sbin/smartctl", "-a /dev/sda");

        var error = Assert.ThrowsExactly<Win32Exception>(() => ProcessShims.Start(start));

        Assert.AreEqual(2, error.NativeErrorCode);
        StringAssert.Contains(error.Message, $"'{Missing}' does not exist: install privsep-relay there or set PRIVSEP_RELAY to its path.");
        StringAssert.StartsWith(error.Message, "An error occurred trying to start process '/usr/sbin/smartctl'");
        Assert.AreEqual("/usr/sbin/smartctl", start.FileName);
    }

    private static DirectBrokerActions AllowingBroker() => new() { CommandAnswer = request => new ExecCheckResponse(ExecRoute.Broker, $"exec[0] \"{request.Path} …\"") };
}

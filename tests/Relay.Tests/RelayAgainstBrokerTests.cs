using System.Diagnostics;
using System.Globalization;
using System.Text;
using PrivSep.Broker.Tests.Harness;
using PrivSep.Relay.Tests.Support;

namespace PrivSep.Relay.Tests;

/// <summary>
/// privsep-relay run as a process against the real broker, also run as a process (as root, which the broker needs to
/// run commands): the whole round trip over the wire the broker speaks, and what the relay loads to do it.
/// </summary>
[TestClass]
public sealed class RelayAgainstBrokerTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(15);

    [TestMethod]
    public void TheRelayEndsWithTheCommandsExitCode()
    {
        RequiresRoot.Check();
        using var broker = SpawnedBroker.Start();

        Assert.AreEqual((0, string.Empty, string.Empty), RelayProcess.Run(["--", "/usr/bin/true"], broker.RelayEnvironment));
        Assert.AreEqual((1, string.Empty, string.Empty), RelayProcess.Run(["--", "/usr/bin/false"], broker.RelayEnvironment));
    }

    [TestMethod]
    public void TheCommandsOutputComesOutOfTheRelay()
    {
        RequiresRoot.Check();
        using var broker = SpawnedBroker.Start();

        var (exitCode, stdout, stderr) = RelayProcess.Run(["--plugin", "RelayTests", "--", "/usr/bin/printf", "from the broker"], broker.RelayEnvironment);

        Assert.AreEqual(0, exitCode, stderr);
        Assert.AreEqual("from the broker", stdout);
        Assert.IsTrue(broker.AuditLines().Any(l => l.Contains("\"action\":\"exec.start\"", StringComparison.Ordinal) && l.Contains("RelayTests", StringComparison.Ordinal)), "the plugin is named in the audit log");
    }

    [TestMethod]
    public void ACommandThePolicyRefusesEndsTheRelayWith126AndTheBrokersReason()
    {
        RequiresRoot.Check();
        using var broker = SpawnedBroker.Start();

        var (exitCode, stdout, stderr) = RelayProcess.Run(["--", "/usr/bin/true", "extra"], broker.RelayEnvironment);

        Assert.AreEqual(126, exitCode);
        Assert.AreEqual(string.Empty, stdout);
        StringAssert.StartsWith(stderr, "privsep-relay: the PrivSep broker refused to run '/usr/bin/true': The command '/usr/bin/true extra' is denied by the PrivSep broker policy (exec: arguments match no rule for /usr/bin/true");
        Assert.AreEqual(1, stderr.Count(c => c == '\n'), "one line: " + stderr);
    }

    [TestMethod]
    [DataRow(false, "0\nrelay exit 0\n11000\n", DisplayName = "without --stdin: the command's input ends at once and the agent's stays unread")]
    [DataRow(true, "11000\nrelay exit 0\n0\n", DisplayName = "with --stdin: the command reads the plugin's stdin to its end")]
    public void TheRelayReadsItsStdinOnlyWithTheStdinOption(bool relaysStdin, string expected)
    {
        RequiresRoot.Check();
        using var broker = SpawnedBroker.Start();
        string[] args = relaysStdin ? ["--stdin", "--", "/usr/bin/wc", "-c"] : ["--", "/usr/bin/wc", "-c"];

        // 1000 lines of 11 bytes, within a pipe's buffer: all there before the relay could read any of it.
        var (stdout, stderr) = RelayProcess.RunSharingStdin(args, broker.RelayEnvironment, string.Concat(Enumerable.Repeat("0123456789\n", 1000)));

        Assert.AreEqual(expected, stdout, stderr);
        Assert.AreEqual(string.Empty, stderr);
    }

    [TestMethod]
    public void SigtermToTheRelayIsForwardedWhileItWaitsAndTheCommandsEndIsTheRelays()
    {
        RequiresRoot.Check();
        using var broker = SpawnedBroker.Start();
        var relay = RelayProcess.Start(["--", "/usr/bin/sleep", "30"], broker.RelayEnvironment);
        var deadline = DateTime.UtcNow + Generous;
        while (!broker.AuditLines().Any(l => l.Contains("\"action\":\"exec.start\"", StringComparison.Ordinal)) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(20);
        }

        // The broker has had the relay's exec.start, which the relay sends only once its forwarder is registered: no
        // pause is needed for the signal to reach the command rather than end the relay.
        using (var kill = Process.Start("kill", ["-TERM", relay.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            kill.WaitForExit();
        }

        var (exitCode, _, stderr) = RelayProcess.Finish(relay);
        Assert.AreEqual(143, exitCode, "128 + SIGTERM, the command's end; stderr: " + stderr);
        Assert.AreEqual(string.Empty, stderr);
        Assert.IsTrue(broker.AuditLines().Any(l => l.Contains("\"action\":\"exec.signal\"", StringComparison.Ordinal)), "the signal went through the broker");
    }

    [TestMethod]
    public void StreamJsonRpcAndItsDependenciesAreNeverLoaded()
    {
        RequiresRoot.Check();
        using var broker = SpawnedBroker.Start();
        string trace = Path.Combine(Path.GetTempPath(), $"privsep-relay-{Guid.NewGuid():N}.nettrace");
        var environment = new Dictionary<string, string?>(broker.RelayEnvironment)
        {
            // The runtime's own loader events (assembly and module loads, with their paths) into a file, from the start.
            ["DOTNET_EnableEventPipe"] = "1",
            ["DOTNET_EventPipeOutputPath"] = trace,
            ["DOTNET_EventPipeConfig"] = "Microsoft-Windows-DotNETRuntime:0x8:4",
            ["DOTNET_EventPipeRundown"] = "0",
        };

        try
        {
            Assert.AreEqual((0, "loaded?", string.Empty), RelayProcess.Run(["--", "/usr/bin/printf", "loaded?"], environment));

            byte[] events = File.ReadAllBytes(trace);
            Assert.IsTrue(Mentions(events, "PrivSep.Protocol.dll"), "the trace records the relay's module loads");
            foreach (string module in new[] { "StreamJsonRpc.dll", "Newtonsoft.Json.dll", "MessagePack.dll", "Nerdbank.Streams.dll", "Microsoft.VisualStudio.Threading.dll" })
            {
                Assert.IsFalse(Mentions(events, module), $"{module} was loaded by the relay");
            }
        }
        finally
        {
            File.Delete(trace);
        }
    }

    /// <summary>Event payloads carry names as UTF-16.</summary>
    private static bool Mentions(byte[] events, string name) => events.AsSpan().IndexOf(Encoding.Unicode.GetBytes(name)) >= 0;
}

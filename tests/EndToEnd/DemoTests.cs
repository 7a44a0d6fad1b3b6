using System.Text.RegularExpressions;
using PrivSep.EndToEnd.Tests.Fixture;

namespace PrivSep.EndToEnd.Tests;

/// <summary>
/// The README's first command, scripts/demo.sh, run as CI runs it (root): the sample agent as privsep-agent, the sample
/// plugins rewritten and signed, the broker with samples/policy.json. Asserts the table's rows, the audit chain and the exit code;
/// and that the agent refuses a plugin folder whose manifest does not verify.
/// </summary>
[TestClass]
public sealed class DemoTests
{
    [ClassCleanup]
    public static void RemoveBuild()
    {
        if (Directory.Exists(DemoBuild.ArtifactsPath))
        {
            Directory.Delete(DemoBuild.ArtifactsPath, recursive: true);
        }
    }

    [TestMethod]
    public void Demo_prints_what_the_broker_allowed_what_its_policy_denied_and_what_the_kernel_blocked()
    {
        RequiresRoot.Check();
        DemoBuild.EnsureBuilt();

        var demo = DemoBuild.Run(
            "/bin/bash",
            [Path.Combine(DemoBuild.RepositoryRoot, "scripts", "demo.sh")],
            new Dictionary<string, string> { ["DEMO_ARTIFACTS"] = DemoBuild.ArtifactsPath },
            TimeSpan.FromMinutes(10));

        Assert.AreEqual(0, demo.ExitCode, demo.ToString());
        string output = demo.Output;
        AssertRow(output, 1, "PingCheck", "ping 127.0.0.1", "allowed by broker", "reply from 127.0.0.1");
        AssertRow(output, 1, "PingCheck", "ping 192.0.2.1", "denied by broker rule default deny (no ping.targets rule matches)");
        AssertRow(output, 1, "AuthLogTail", "tail /var/log/auth.log", "allowed by broker", "2 lines:");
        AssertRow(output, 2, "AuthLogTail", "tail /var/log/auth.log", "allowed by broker", "1 new line: Nov 27 03:10:42");
        AssertRow(output, 3, "AuthLogTail", "tail /var/log/auth.log", "allowed by broker", "1 new line (after rotation): Nov 27 03:15:00");
        AssertRow(output, 1, "ConfigReader", "read /etc/mysql/debian.cnf", "allowed by broker", "[client] user=debian-sys-maint, password present");
        AssertRow(output, 1, "ReportWriter", "write /var/lib/privsep/sandbox/report.txt", "allowed by broker", "report written and read back");
        AssertRow(output, 1, "Rogue", "write /etc/cron.d/privsep-rogue", "denied by broker rule files.deny[4] \"/etc/cron.d/**\"");
        AssertRow(output, 1, "Rogue", "read /etc/shadow", "denied by broker rule files.deny[0] \"/etc/shadow\"");
        AssertRow(output, 1, "Rogue", "ping 198.51.100.7", "denied by broker rule default deny (no ping.targets rule matches)");
        AssertRow(output, 1, "Rogue", "setuid(0) via P/Invoke", "blocked by kernel (EPERM)");
        AssertRow(output, 1, "Rogue", "read /var/log/auth.log via reflection", "blocked by kernel (UnauthorizedAccessException)");
        AssertRow(output, 1, "DiskHealth", "run /usr/bin/head -c 64 /var/lib/smart/sda.report", "allowed by broker", "exit 0, 64 bytes, health PASSED");
        AssertRow(output, 1, "Rogue", "run /usr/bin/head -c 4096 /etc/shadow", "denied by broker rule exec: arguments match no rule for /usr/bin/head (closest: exec[0] \"/usr/bin/head -c 64 /var/lib/smart/sd?.report\")");
        AssertRow(output, 1, "Rogue", "run /usr/bin/cat /etc/shadow", "blocked by kernel (EACCES)");
        Assert.DoesNotContain("failed:", output, output);
        Assert.IsTrue(Regex.IsMatch(output, @"audit\.jsonl: valid — \d+ lines"), output);
        StringAssert.Contains(output, "the rogue plugin's cron job was not created");
        StringAssert.Contains(output, "\"plugin\":\"Rogue\"", "the audit lines name the plugin");
    }

    [TestMethod]
    public void Demo_as_a_non_root_user_says_what_it_needs()
    {
        RequiresRoot.Check();
        TestUser.EnsureExists();
        var demo = DemoBuild.Run("setpriv", ["--reuid", TestUser.Name, "--regid", TestUser.Name, "--init-groups", "/bin/bash", Path.Combine(DemoBuild.RepositoryRoot, "scripts", "demo.sh")]);

        Assert.AreEqual(2, demo.ExitCode, demo.ToString());
        StringAssert.Contains(demo.Error, "please run as root");
    }

    [TestMethod]
    public void Agent_refuses_a_plugin_folder_whose_manifest_does_not_verify_and_runs_as_a_service_until_SIGTERM()
    {
        DemoBuild.EnsureBuilt();
        string work = Directory.CreateTempSubdirectory("privsep-demo-tamper-").FullName;
        try
        {
            string built = Path.Combine(work, "built");
            Directory.CreateDirectory(built);
            foreach (string file in new[] { "ConfigReader.dll", "ConfigReader.pdb", "MonitoringAgent.Contracts.dll" })
            {
                File.Copy(Path.Combine(DemoBuild.Output("ConfigReader"), file), Path.Combine(built, file));
            }

            string key = Path.Combine(work, "plugins.pem");
            string publicKey = Path.Combine(work, "plugins.pub.pem");
            string plugins = Path.Combine(work, "plugins");
            var keygen = PrivSepCommand.Run("keygen", "--out", key);
            Assert.AreEqual(0, keygen.ExitCode, keygen.ToString());
            var rewrite = PrivSepCommand.Run("rewrite", built, "--out", plugins, "--sign-key", key);
            Assert.AreEqual(0, rewrite.ExitCode, rewrite.ToString());

            // The host the plugin monitors is an empty folder: ConfigReader's file is missing there, which is a result, not an error.
            var environment = new Dictionary<string, string> { ["MONITOR_HOST_ROOT"] = work, ["PRIVSEP_SOCKET"] = Path.Combine(work, "no-broker.sock") };
            string agent = Path.Combine(DemoBuild.Output("MonitoringAgent"), "MonitoringAgent.dll");
            var accepted = DemoBuild.Run(DotnetHost.Path, [agent, "--plugins", plugins, "--public-key", publicKey], environment);
            Assert.AreEqual(0, accepted.ExitCode, accepted.ToString());
            StringAssert.Contains(accepted.Error, "signed manifest verified");
            StringAssert.Contains(accepted.Output, "ConfigReader: read ");

            // A native library dropped beside the signed plugins (one a plugin could DllImport) is refused like an assembly.
            string dropped = Path.Combine(plugins, "runtimes", "linux-x64", "native", "libextra.so");
            Directory.CreateDirectory(Path.GetDirectoryName(dropped)!);
            File.WriteAllBytes(dropped, [0x7F, (byte)'E', (byte)'L', (byte)'F']);
            var nativeRefused = DemoBuild.Run(DotnetHost.Path, [agent, "--plugins", plugins, "--public-key", publicKey], environment);
            Assert.AreEqual(1, nativeRefused.ExitCode, nativeRefused.ToString());
            StringAssert.Contains(nativeRefused.Error, "runtimes/linux-x64/native/libextra.so: is not in the signed manifest");
            Assert.DoesNotContain("ConfigReader: read", nativeRefused.Output, nativeRefused.ToString());
            Directory.Delete(Path.Combine(plugins, "runtimes"), recursive: true);

            string target = Path.Combine(plugins, "ConfigReader.dll");
            byte[] bytes = File.ReadAllBytes(target);
            bytes[bytes.Length / 2] ^= 0x01;
            File.WriteAllBytes(target, bytes);

            var refused = DemoBuild.Run(DotnetHost.Path, [agent, "--plugins", plugins, "--public-key", publicKey], environment);
            Assert.AreEqual(1, refused.ExitCode, refused.ToString());
            StringAssert.Contains(refused.Error, "refusing to load plugins from");
            StringAssert.Contains(refused.Error, "ConfigReader.dll");
            Assert.DoesNotContain("ConfigReader: read", refused.Output, refused.ToString());

            // As a service: --rounds 0 runs until SIGTERM, then finishes the round and exits 0.
            var usage = DemoBuild.Run(DotnetHost.Path, [agent, "--plugins", plugins, "--public-key", publicKey, "--rounds", "0", "--table"], environment);
            Assert.AreEqual(2, usage.ExitCode, usage.ToString());
            AssertRunsUntilStopped(agent, plugins, publicKey, environment, tamperedFile: target, tamperedBytes: bytes);

            var wrongKey = PrivSepCommand.Run("keygen", "--out", Path.Combine(work, "other.pem"));
            Assert.AreEqual(0, wrongKey.ExitCode, wrongKey.ToString());
            File.WriteAllBytes(target, [.. bytes.Select((b, i) => i == bytes.Length / 2 ? (byte)(b ^ 0x01) : b)]);
            var otherKey = DemoBuild.Run(DotnetHost.Path, [agent, "--plugins", plugins, "--public-key", Path.Combine(work, "other.pub.pem")], environment);
            Assert.AreEqual(1, otherKey.ExitCode, otherKey.ToString());
            StringAssert.Contains(otherKey.Error, "signature does not match");
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static void AssertRunsUntilStopped(string agent, string plugins, string publicKey, Dictionary<string, string> environment, string tamperedFile, byte[] tamperedBytes)
    {
        // Restore the verified bytes for this run, and flip them back afterwards for the checks that follow.
        File.WriteAllBytes(tamperedFile, [.. tamperedBytes.Select((b, i) => i == tamperedBytes.Length / 2 ? (byte)(b ^ 0x01) : b)]);
        var start = new System.Diagnostics.ProcessStartInfo(DotnetHost.Path) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string argument in new[] { agent, "--plugins", plugins, "--public-key", publicKey, "--rounds", "0", "--interval-ms", "100" })
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var service = System.Diagnostics.Process.Start(start)!;
        var output = service.StandardOutput.ReadToEndAsync();
        var rounds = 0;
        while (rounds < 3 && service.StandardError.ReadLine() is { } line)
        {
            rounds += line.Contains("round ", StringComparison.Ordinal) && line.EndsWith(" done", StringComparison.Ordinal) ? 1 : 0;
        }

        Assert.AreEqual(3, rounds, "the agent keeps running rounds until it is stopped");
        TestUser.Run("kill", "-TERM", service.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var rest = service.StandardError.ReadToEndAsync();
        Assert.IsTrue(service.WaitForExit(TimeSpan.FromSeconds(15)), "SIGTERM stops the agent");
        Assert.AreEqual(0, service.ExitCode, rest.Result + output.Result);
        StringAssert.Contains(rest.Result, "SIGTERM received");
        File.WriteAllBytes(tamperedFile, tamperedBytes);
    }

    /// <summary>A table row: round, plugin, action, outcome and (when given) the start of the detail, separated by column padding.</summary>
    private static void AssertRow(string output, int round, string plugin, string action, string outcome, string? detailStart = null)
    {
        string pattern = $@"^{round}\s+{Regex.Escape(plugin)}\s+{Regex.Escape(action)}\s+{Regex.Escape(outcome)}"
            + (detailStart is null ? @"\s*$" : $@"\s+{Regex.Escape(detailStart)}");
        Assert.IsTrue(Regex.IsMatch(output, pattern, RegexOptions.Multiline), $"no table row /{pattern}/ in:\n{output}");
    }
}

using PrivSep.EndToEnd.Tests.Fixture;

namespace PrivSep.EndToEnd.Tests;

/// <summary>
/// The rewriter end to end: a plugin compiled against the plain BCL (no PrivSep reference) is rewritten and signed by the
/// real <c>privsep</c> command, checked by <c>privsep verify</c>, and run by the client as the unprivileged test user,
/// where its own unchanged-at-source calls reach the broker; the same plugin not rewritten is stopped by the kernel.
/// </summary>
[TestClass]
public sealed class RewrittenPluginTests
{
    private const string PluginName = "HealthPlugin";
    private const string PluginType = "Monitoring.HealthPlugin";
    private const string AuthLogContent = "Nov 27 sshd[1]: Accepted publickey for admin\n";

    private const string PluginSource = """
        using System.IO;
        using System.Net.NetworkInformation;

        namespace Monitoring;

        public static class HealthPlugin
        {
            public static string ReadLog(string path) => File.ReadAllText(path);

            public static string ReadWithStream(string path)
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read);
                using var reader = new StreamReader(stream);
                return reader.ReadToEnd();
            }

            public static string Ping(string host) => new Ping().Send(host, 2000).Status.ToString();
        }
        """;

    private static Deployment deployment = null!;
    private static BrokerProcess broker = null!;
    private static string work = null!;
    private static string originalFolder = null!;
    private static string rewrittenFolder = null!;
    private static string privateKey = null!;
    private static string publicKey = null!;
    private static PrivSepCommandResult firstRewrite = null!;

    private static string AuthLog => Path.Combine(deployment.Logs, "auth.log");

    private static string OriginalPlugin => Path.Combine(originalFolder, PluginName + ".dll");

    private static string RewrittenPlugin => Path.Combine(rewrittenFolder, PluginName + ".dll");

    /// <summary>One broker, one compiled plugin and one rewritten, signed folder for the whole class.</summary>
    [ClassInitialize]
    public static void CompileRewriteAndStartBroker(TestContext context)
    {
        RequiresRoot.Check();
        deployment = Deployment.Create();
        work = Path.Combine(deployment.Root, "plugin-work");
        Directory.CreateDirectory(work, ReadableDirectory);
        originalFolder = Path.Combine(work, "plugins");
        rewrittenFolder = Path.Combine(work, "rewritten");
        Directory.CreateDirectory(originalFolder, ReadableDirectory);
        PluginCompiler.Compile(originalFolder, PluginName, PluginSource);
        MakeReadableByAll(originalFolder);

        string keys = Path.Combine(deployment.Root, "keys");
        Directory.CreateDirectory(keys, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        privateKey = Path.Combine(keys, "key.pem");
        publicKey = Path.Combine(keys, "key.pub.pem");
        var keygen = PrivSepCommand.Run("keygen", "--out", privateKey);
        Assert.AreEqual(0, keygen.ExitCode, keygen.ToString());
        Assert.IsTrue(File.Exists(publicKey), "keygen writes KEY.pub.pem beside KEY.pem: " + keygen);

        firstRewrite = PrivSepCommand.Run("rewrite", originalFolder, "--out", rewrittenFolder, "--sign-key", privateKey);
        Assert.AreEqual(0, firstRewrite.ExitCode, firstRewrite.ToString());

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
    public void The_rewritten_folder_holds_the_plugin_the_Shim_and_a_signed_manifest_that_privsep_verify_accepts()
    {
        StringAssert.Contains(firstRewrite.Output, "rewrote 3 call sites in 1 of", firstRewrite.ToString());
        foreach (string file in new[] { PluginName + ".dll", "PrivSep.Shim.dll", "privsep.manifest.json", "privsep.manifest.sig" })
        {
            Assert.IsTrue(File.Exists(Path.Combine(rewrittenFolder, file)), $"{file} is in the rewritten folder: {firstRewrite}");
        }

        CollectionAssert.AreNotEqual(File.ReadAllBytes(OriginalPlugin), File.ReadAllBytes(RewrittenPlugin), "the plugin's call sites were rewritten");
        var verify = PrivSepCommand.Run("verify", rewrittenFolder, "--public-key", publicKey);
        Assert.AreEqual(0, verify.ExitCode, verify.ToString());
        StringAssert.Contains(verify.Output, "valid", verify.ToString());
    }

    [TestMethod]
    public void The_rewritten_plugin_run_as_the_unprivileged_user_reaches_the_broker_for_each_privileged_call_and_is_audited_by_name()
    {
        int before = File.ReadAllLines(deployment.AuditPath).Length;
        var results = AgentProcess.Run(
            deployment,
            "plugin", RewrittenPlugin, PluginType, "ReadLog", AuthLog,
            "plugin", RewrittenPlugin, PluginType, "ReadWithStream", AuthLog,
            "plugin", RewrittenPlugin, PluginType, "Ping", "127.0.0.1",
            "shim-copies");

        Assert.AreEqual(4, results.Count, string.Join("\n", results));
        Assert.IsTrue(results[0].Ok, results[0].ToString());
        Assert.AreEqual(AuthLogContent, results[0].Value, "File.ReadAllText of the root-only file, through the broker");
        Assert.IsTrue(results[1].Ok, results[1].ToString());
        Assert.AreEqual(AuthLogContent, results[1].Value, "new FileStream(...) of the root-only file, on a descriptor the broker opened");
        Assert.IsTrue(results[2].Ok, results[2].ToString());
        Assert.AreEqual("Success", results[2].Value, "new Ping().Send of loopback, sent by the broker");

        // The client references the Shim itself; the plugin's reference to its folder's copy unifies with it: one Shim, one broker client.
        Assert.IsTrue(results[3].Ok, results[3].ToString());
        string[] shims = results[3].Value!.Split('|');
        Assert.HasCount(1, shims, "one PrivSep.Shim in the process: " + results[3].Value);
        StringAssert.StartsWith(shims[0], "Default:", "the host's Shim, in the default context, serves the plugin: " + results[3].Value);

        var added = File.ReadAllLines(deployment.AuditPath).Skip(before).ToList();
        var fromPlugin = added.Where(l => l.Contains($"\"plugin\":\"{PluginName}\"", StringComparison.Ordinal)).ToList();
        Assert.IsTrue(
            fromPlugin.Count(l => l.Contains("\"decision\":\"allow\"", StringComparison.Ordinal) && l.Contains(AuthLog, StringComparison.Ordinal)) >= 2,
            "both reads of auth.log are audited as allowed and attributed to the plugin:\n" + string.Join("\n", added));
        Assert.IsTrue(
            fromPlugin.Any(l => l.Contains("\"action\":\"net.ping\"", StringComparison.Ordinal) && l.Contains("\"decision\":\"allow\"", StringComparison.Ordinal)),
            "the ping is audited as allowed and attributed to the plugin:\n" + string.Join("\n", added));
    }

    [TestMethod]
    public void The_rewritten_plugin_loaded_in_isolation_on_its_own_Shim_copy_finds_the_broker_through_the_same_environment()
    {
        var results = AgentProcess.Run(
            deployment,
            "plugin-isolated", RewrittenPlugin, PluginType, "ReadLog", AuthLog,
            "plugin-isolated", RewrittenPlugin, PluginType, "Ping", "127.0.0.1",
            "shim-copies");

        Assert.AreEqual(3, results.Count, string.Join("\n", results));
        Assert.IsTrue(results[0].Ok, results[0].ToString());
        Assert.AreEqual(AuthLogContent, results[0].Value);
        Assert.IsTrue(results[1].Ok, results[1].ToString());
        Assert.AreEqual("Success", results[1].Value);
        Assert.Contains(
            $"plugin-isolated:{rewrittenFolder}:{Path.Combine(rewrittenFolder, "PrivSep.Shim.dll")}",
            results[2].Value!.Split('|'),
            "the plugin ran on the Shim copy the rewriter placed beside it: " + results[2]);
    }

    [TestMethod]
    public void The_same_plugin_not_rewritten_is_refused_by_the_kernel_and_never_reaches_the_broker()
    {
        int before = File.ReadAllLines(deployment.AuditPath).Length;
        var results = AgentProcess.Run(
            deployment,
            "plugin", OriginalPlugin, PluginType, "ReadLog", AuthLog,
            "plugin", OriginalPlugin, PluginType, "ReadWithStream", AuthLog,
            "plugin", OriginalPlugin, PluginType, "Ping", "127.0.0.1");

        Assert.AreEqual(3, results.Count, string.Join("\n", results));
        Assert.IsFalse(results[0].Ok, "File.ReadAllText of a 0600 root file as the unprivileged user: " + results[0]);
        Assert.AreEqual("UnauthorizedAccessException", results[0].Error, results[0].ToString());
        Assert.IsFalse(results[1].Ok, "new FileStream of a 0600 root file as the unprivileged user: " + results[1]);
        Assert.AreEqual("UnauthorizedAccessException", results[1].Error, results[1].ToString());
        Assert.IsFalse(results[2].Ok, "ICMP echo as the unprivileged user without the broker: " + results[2]);
        Assert.Contains(results[2].Error!, new[] { "PlatformNotSupportedException", "PingException" }, results[2].ToString());

        var added = File.ReadAllLines(deployment.AuditPath).Skip(before).ToList();
        Assert.IsFalse(added.Any(l => l.Contains($"\"plugin\":\"{PluginName}\"", StringComparison.Ordinal)), "nothing of the original plugin reached the broker:\n" + string.Join("\n", added));
    }

    [TestMethod]
    public void A_rewritten_plugin_with_one_byte_flipped_fails_verify_naming_the_file()
    {
        string copy = CopyOfRewritten("tampered-assembly");
        string dll = Path.Combine(copy, PluginName + ".dll");
        byte[] bytes = File.ReadAllBytes(dll);
        bytes[bytes.Length / 2] ^= 0x01;
        File.WriteAllBytes(dll, bytes);

        var verify = PrivSepCommand.Run("verify", copy, "--public-key", publicKey);

        Assert.AreEqual(1, verify.ExitCode, verify.ToString());
        StringAssert.Contains(verify.Output, PluginName + ".dll", verify.ToString());
        StringAssert.Contains(verify.Output, "does not match the signed manifest", verify.ToString());
    }

    [TestMethod]
    public void A_manifest_with_one_character_edited_fails_verify_because_the_signature_is_invalid()
    {
        string copy = CopyOfRewritten("tampered-manifest");
        string manifest = Path.Combine(copy, "privsep.manifest.json");
        string text = File.ReadAllText(manifest);
        int at = text.IndexOf(PluginName, StringComparison.Ordinal);
        Assert.IsGreaterThanOrEqualTo(0, at, "the manifest names the plugin:\n" + text);
        File.WriteAllText(manifest, text[..at] + "W" + text[(at + 1)..]);

        var verify = PrivSepCommand.Run("verify", copy, "--public-key", publicKey);

        Assert.AreEqual(1, verify.ExitCode, verify.ToString());
        StringAssert.Contains(verify.Output, "signature does not match", verify.ToString());
    }

    [TestMethod]
    public void An_extra_assembly_dropped_into_the_rewritten_folder_fails_verify_naming_it()
    {
        string copy = CopyOfRewritten("extra-assembly");
        File.Copy(OriginalPlugin, Path.Combine(copy, "Dropped.dll"));

        var verify = PrivSepCommand.Run("verify", copy, "--public-key", publicKey);

        Assert.AreEqual(1, verify.ExitCode, verify.ToString());
        StringAssert.Contains(verify.Output, "Dropped.dll", verify.ToString());
        StringAssert.Contains(verify.Output, "not in the signed manifest", verify.ToString());
    }

    [TestMethod]
    public void Rewriting_the_rewritten_folder_again_says_already_rewritten_and_leaves_the_plugin_bytes_identical()
    {
        string second = Path.Combine(work, "rewritten-twice");
        var rewrite = PrivSepCommand.Run("rewrite", rewrittenFolder, "--out", second, "--sign-key", privateKey);

        Assert.AreEqual(0, rewrite.ExitCode, rewrite.ToString());
        StringAssert.Contains(rewrite.Output, "rewrote 0 call sites", rewrite.ToString());
        StringAssert.Contains(rewrite.Output, "1 already rewritten", rewrite.ToString());
        CollectionAssert.AreEqual(File.ReadAllBytes(RewrittenPlugin), File.ReadAllBytes(Path.Combine(second, PluginName + ".dll")), "a second rewrite is a no-op: " + rewrite);
        CollectionAssert.AreEqual(File.ReadAllBytes(Path.Combine(rewrittenFolder, "PrivSep.Shim.dll")), File.ReadAllBytes(Path.Combine(second, "PrivSep.Shim.dll")), "the Shim is not rewritten either");
        CollectionAssert.AreEqual(File.ReadAllBytes(Path.Combine(rewrittenFolder, PluginName + ".pdb")), File.ReadAllBytes(Path.Combine(second, PluginName + ".pdb")), "the debug symbols are carried over unchanged");
        var verify = PrivSepCommand.Run("verify", second, "--public-key", publicKey);
        Assert.AreEqual(0, verify.ExitCode, verify.ToString());
    }

    [TestMethod]
    public void Rewriting_a_copy_of_the_rewritten_folder_in_place_leaves_the_plugin_bytes_identical_and_it_still_verifies()
    {
        string copy = CopyOfRewritten("rewritten-in-place");
        var rewrite = PrivSepCommand.Run("rewrite", copy, "--in-place", "--sign-key", privateKey);

        Assert.AreEqual(0, rewrite.ExitCode, rewrite.ToString());
        StringAssert.Contains(rewrite.Output, "1 already rewritten", rewrite.ToString());
        CollectionAssert.AreEqual(File.ReadAllBytes(RewrittenPlugin), File.ReadAllBytes(Path.Combine(copy, PluginName + ".dll")), "a second rewrite is a no-op: " + rewrite);
        var verify = PrivSepCommand.Run("verify", copy, "--public-key", publicKey);
        Assert.AreEqual(0, verify.ExitCode, verify.ToString());
    }

    private static UnixFileMode ReadableDirectory =>
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private static void MakeReadableByAll(string directory)
    {
        foreach (string file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }
    }

    private static string CopyOfRewritten(string name)
    {
        string copy = Path.Combine(work, name);
        Directory.CreateDirectory(copy, ReadableDirectory);
        foreach (string file in Directory.EnumerateFiles(rewrittenFolder))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }

        return copy;
    }
}

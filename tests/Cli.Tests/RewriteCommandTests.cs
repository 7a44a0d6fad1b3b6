using PrivSep.Rewriter.Manifest;
using PrivSep.Rewriter.Model;

namespace PrivSep.Cli.Tests;

/// <summary>privsep rewrite / scan / verify over a stand-in engine: arguments, manifest, signature, exit codes.</summary>
[TestClass]
public sealed class RewriteCommandTests
{
    [TestMethod]
    public async Task RewriteSignsAndVerifyAcceptsThenRejectsATamperedFile()
    {
        using var dir = new TempDirectory();
        dir.Write("in/A.dll", [1, 2, 3]);
        dir.Write("in/sub/B.dll", [4, 5, 6]);
        string key = dir.PathOf("k.pem");
        ManifestKeys.Generate(key);

        var rewrite = await Cli.RunAsync(new CopyingEngine(), "rewrite", dir.PathOf("in"), "--out", dir.PathOf("out"), "--sign-key", key);
        var verify = await Cli.RunAsync("verify", dir.PathOf("out"), "--public-key", dir.PathOf("k.pub.pem"));
        File.WriteAllBytes(dir.PathOf("out", "sub", "B.dll"), [4, 5, 7]);
        var tampered = await Cli.RunAsync("verify", dir.PathOf("out"), "--public-key", dir.PathOf("k.pub.pem"));

        Assert.AreEqual(0, rewrite.ExitCode, rewrite.ToString());
        StringAssert.Contains(rewrite.Out, "rewrote 2 call sites in 2 of 2 assemblies");
        StringAssert.Contains(rewrite.Out, "signed with");
        Assert.AreEqual(0, verify.ExitCode, verify.ToString());
        StringAssert.Contains(verify.Out, "valid — 2 files match the signed manifest (2 assemblies");
        Assert.AreEqual(1, tampered.ExitCode, tampered.ToString());
        StringAssert.Contains(tampered.Out, "sub/B.dll: SHA-256");
    }

    [TestMethod]
    public async Task JsonPrintsOnlyTheManifest()
    {
        using var dir = new TempDirectory();
        dir.Write("in/A.dll", [1]);

        var run = await Cli.RunAsync(new CopyingEngine(), "rewrite", dir.PathOf("in"), "--out", dir.PathOf("out"), "--json");

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        Assert.AreEqual(string.Empty, run.Error);
        Assert.AreEqual(File.ReadAllText(dir.PathOf("out", ManifestPaths.ManifestFileName)), run.Out);
        var manifest = ManifestJson.Parse(System.Text.Encoding.UTF8.GetBytes(run.Out), "stdout");
        Assert.AreEqual("A.dll", manifest.Assemblies.Single().File);
        Assert.IsFalse(File.Exists(dir.PathOf("out", ManifestPaths.SignatureFileName)), "no key, no signature");
    }

    [TestMethod]
    public async Task ErrorDiagnosticsExitOneAndLeaveTheManifestUnsigned()
    {
        using var dir = new TempDirectory();
        dir.Write("in/A.dll", [1]);
        string key = dir.PathOf("k.pem");
        ManifestKeys.Generate(key);
        var error = new RewriteDiagnostic("PS1200", DiagnosticSeverity.Error, "derives from FileStream", "A.dll", "A.Evil..ctor()", "Evil.cs", 3, 14);

        var run = await Cli.RunAsync(new CopyingEngine(error), "rewrite", dir.PathOf("in"), "--out", dir.PathOf("out"), "--sign-key", key);

        Assert.AreEqual(1, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Out, "Evil.cs(3,14): error PS1200: derives from FileStream [A.Evil..ctor()]");
        StringAssert.Contains(run.Out, "NOT signed because of the errors");
        Assert.IsTrue(File.Exists(dir.PathOf("out", ManifestPaths.ManifestFileName)));
        Assert.IsFalse(File.Exists(dir.PathOf("out", ManifestPaths.SignatureFileName)));
    }

    [TestMethod]
    [DataRow("Stray.dll", DisplayName = "a stray assembly")]
    [DataRow("stale.sh", DisplayName = "a stray non-assembly file")]
    [DataRow("runtimes/linux-x64/native/libold.so", DisplayName = "a stray native library in a subfolder")]
    public async Task FileInTheOutputThatTheRunDidNotWriteFailsTheSelfCheck(string stray)
    {
        using var dir = new TempDirectory();
        dir.Write("in/A.dll", [1]);
        dir.Write($"out/{stray}", [9]);
        string key = dir.PathOf("k.pem");
        ManifestKeys.Generate(key);

        var run = await Cli.RunAsync(new CopyingEngine(), "rewrite", dir.PathOf("in"), "--out", dir.PathOf("out"), "--sign-key", key);

        Assert.AreEqual(1, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Error, $"{stray}: is not in the signed manifest");
    }

    [TestMethod]
    public async Task SignedRewritePinsNativeLibrariesAndEveryOtherFile()
    {
        using var dir = new TempDirectory();
        byte[] elf = [0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        dir.Write("in/libnative.so", elf);
        dir.Write("in/runtimes/linux-x64/native/libfoo.so", elf);
        dir.Write("in/plugin.json", "{}"u8.ToArray());
        string key = dir.PathOf("k.pem");
        ManifestKeys.Generate(key);
        string[] verifyArgs = ["verify", dir.PathOf("out"), "--public-key", dir.PathOf("k.pub.pem")];

        var rewrite = await Cli.RunAsync("rewrite", dir.PathOf("in"), "--out", dir.PathOf("out"), "--sign-key", key);
        var untouched = await Cli.RunAsync(verifyArgs);
        using (var stream = new FileStream(dir.PathOf("out", "libnative.so"), FileMode.Append))
        {
            stream.Write([0xCC]);
        }

        dir.Write("out/libextra.so", elf);
        dir.Write("out/extra.sh", "#!/bin/sh\nid\n"u8.ToArray());
        var tampered = await Cli.RunAsync(verifyArgs);

        Assert.AreEqual(0, rewrite.ExitCode, rewrite.ToString());
        StringAssert.Contains(rewrite.Out, "libnative.so: warning PS1008: libnative.so is a native library");
        StringAssert.Contains(rewrite.Out, "warning PS1008: runtimes/linux-x64/native/libfoo.so is a native library");
        Assert.DoesNotContain("plugin.json: warning", rewrite.Out);
        Assert.AreEqual(0, untouched.ExitCode, untouched.ToString());
        StringAssert.Contains(untouched.Out, "valid — 3 files");
        Assert.AreEqual(1, tampered.ExitCode, tampered.ToString());
        StringAssert.Contains(tampered.Out, "libnative.so: SHA-256");
        StringAssert.Contains(tampered.Out, "libextra.so: is not in the signed manifest");
        StringAssert.Contains(tampered.Out, "extra.sh: is not in the signed manifest");
    }

    [TestMethod]
    public async Task TheStrongNameKeyReachesTheEngine()
    {
        using var dir = new TempDirectory();
        dir.Write("in/A.dll", [1]);
        dir.Write("key.snk", [7, 7, 7]);
        var engine = new CopyingEngine();

        var run = await Cli.RunAsync(engine, "rewrite", dir.PathOf("in"), "--out", dir.PathOf("out"), "--strong-name-key", dir.PathOf("key.snk"));

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        Assert.AreEqual(dir.PathOf("key.snk"), engine.LastOptions?.StrongNameKeyPath);
    }

    [TestMethod]
    public async Task UsageAndInputErrorsExitTwo()
    {
        using var dir = new TempDirectory();
        dir.Write("in/A.dll", [1]);
        dir.Write("bad.pem", [1, 2]);
        var engine = new CopyingEngine();

        var both = await Cli.RunAsync(engine, "rewrite", dir.PathOf("in"), "--out", dir.PathOf("out"), "--in-place");
        var neither = await Cli.RunAsync(engine, "rewrite", dir.PathOf("in"));
        var missingDir = await Cli.RunAsync(engine, "rewrite", dir.PathOf("nope"), "--in-place");
        var badKey = await Cli.RunAsync(engine, "rewrite", dir.PathOf("in"), "--in-place", "--sign-key", dir.PathOf("bad.pem"));
        var missingKey = await Cli.RunAsync(engine, "rewrite", dir.PathOf("in"), "--in-place", "--sign-key", dir.PathOf("none.pem"));
        var unknownOption = await Cli.RunAsync(engine, "rewrite", dir.PathOf("in"), "--bogus");
        var missingStrongNameKey = await Cli.RunAsync(engine, "rewrite", dir.PathOf("in"), "--in-place", "--strong-name-key", dir.PathOf("none.snk"));

        foreach (var run in new[] { both, neither, missingDir, badKey, missingKey, unknownOption, missingStrongNameKey })
        {
            Assert.AreEqual(2, run.ExitCode, run.ToString());
            Assert.AreEqual(string.Empty, run.Out, run.ToString());
        }

        StringAssert.Contains(both.Error, "not both");
        StringAssert.Contains(neither.Error, "--out DIR");
        StringAssert.Contains(missingDir.Error, "does not exist");
        StringAssert.Contains(badKey.Error, "is not a PEM file");
        StringAssert.Contains(missingKey.Error, "privsep keygen");
        StringAssert.Contains(unknownOption.Error, "--bogus");
        Assert.IsNull(engine.LastOptions, "nothing was rewritten");
    }

    [TestMethod]
    public async Task InPlaceWritesTheManifestIntoTheInputFolder()
    {
        using var dir = new TempDirectory();
        dir.Write("in/A.dll", [1]);
        var engine = new CopyingEngine();

        var run = await Cli.RunAsync(engine, "rewrite", dir.PathOf("in"), "--in-place");

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        Assert.IsTrue(engine.LastOptions!.InPlace);
        Assert.IsTrue(File.Exists(dir.PathOf("in", ManifestPaths.ManifestFileName)));
        StringAssert.Contains(run.Out, "NOT signed (pass --sign-key KEY.pem)");
    }

    [TestMethod]
    public async Task ScanPrintsATableOrJson()
    {
        using var dir = new TempDirectory();
        dir.Write("in/Plugins/PingCheck.dll", [1]);
        var warning = new RewriteDiagnostic("PS1001", DiagnosticSeverity.Warning, "reflection", "Plugins/PingCheck.dll");

        var table = await Cli.RunAsync(new CopyingEngine(warning), "scan", dir.PathOf("in"));
        var json = await Cli.RunAsync(new CopyingEngine(warning), "scan", dir.PathOf("in"), "--json");
        var blocked = await Cli.RunAsync(new CopyingEngine(warning with { Severity = DiagnosticSeverity.Error }), "scan", dir.PathOf("in"));

        Assert.AreEqual(0, table.ExitCode, table.ToString());
        StringAssert.Contains(table.Out, "ASSEMBLY");
        StringAssert.Matches(table.Out, new System.Text.RegularExpressions.Regex(@"Plugins/PingCheck\.dll\s+1\s+0\s+1"));
        StringAssert.Contains(table.Out, "warning PS1001: reflection");
        Assert.AreEqual(0, json.ExitCode);
        Assert.AreEqual(string.Empty, json.Error);
        Assert.AreEqual("Plugins/PingCheck.dll", ManifestJson.Parse(System.Text.Encoding.UTF8.GetBytes(json.Out), "stdout").Assemblies.Single().File);
        Assert.AreEqual(1, blocked.ExitCode);
        Assert.IsFalse(Directory.EnumerateFileSystemEntries(dir.Root, "privsep.manifest.*", SearchOption.AllDirectories).Any(), "scan writes nothing");
    }

    [TestMethod]
    public async Task VerifyInputErrorsExitTwo()
    {
        using var dir = new TempDirectory();
        ManifestKeys.Generate(dir.PathOf("k.pem"));

        var missingDir = await Cli.RunAsync("verify", dir.PathOf("nope"), "--public-key", dir.PathOf("k.pub.pem"));
        var missingKey = await Cli.RunAsync("verify", dir.Root, "--public-key", dir.PathOf("none.pub.pem"));
        var noKeyOption = await Cli.RunAsync("verify", dir.Root);
        var unsigned = await Cli.RunAsync("verify", dir.Root, "--public-key", dir.PathOf("k.pub.pem"));

        Assert.AreEqual(2, missingDir.ExitCode, missingDir.ToString());
        Assert.AreEqual(2, missingKey.ExitCode, missingKey.ToString());
        Assert.AreEqual(2, noKeyOption.ExitCode, noKeyOption.ToString());
        StringAssert.Contains(noKeyOption.Error, "--public-key");
        Assert.AreEqual(1, unsigned.ExitCode, unsigned.ToString());
        StringAssert.Contains(unsigned.Out, "privsep.manifest.json is missing");
    }

    [TestMethod]
    public async Task EveryCommandHasHelp()
    {
        foreach (string[] command in new[] { new[] { "rewrite" }, ["scan"], ["verify"], ["keygen"], ["audit", "verify"], ["policy", "check"], [] })
        {
            var run = await Cli.RunAsync([.. command, "--help"]);

            Assert.AreEqual(0, run.ExitCode, run.ToString());
            StringAssert.Contains(run.Out, "Usage:", string.Join(' ', command));
        }
    }
}

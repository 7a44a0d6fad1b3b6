using System.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using PrivSep.Rewriter.Manifest;

namespace PrivSep.Cli.Tests;

/// <summary>The real engine behind privsep rewrite, and the built privsep executable.</summary>
[TestClass]
public sealed class EngineAndExecutableTests
{
    private const string PluginSource = """
        namespace Plugin;
        public static class LogReader
        {
            public static string Read(string path) => System.IO.File.ReadAllText(path);
        }
        """;

    [TestMethod]
    public async Task RewriteAndVerifyAPluginThatReadsAFile()
    {
        using var dir = new TempDirectory();
        Compile(dir.PathOf("in", "LogReader.dll"));
        ManifestKeys.Generate(dir.PathOf("k.pem"));

        var scan = await Cli.RunAsync("scan", dir.PathOf("in"));
        var rewrite = await Cli.RunAsync("rewrite", dir.PathOf("in"), "--out", dir.PathOf("out"), "--sign-key", dir.PathOf("k.pem"));
        var verify = await Cli.RunAsync("verify", dir.PathOf("out"), "--public-key", dir.PathOf("k.pub.pem"));

        Assert.AreEqual(0, scan.ExitCode, scan.ToString());
        StringAssert.Matches(scan.Out, new System.Text.RegularExpressions.Regex(@"LogReader\.dll\s+1\s"));
        Assert.AreEqual(0, rewrite.ExitCode, rewrite.ToString());
        Assert.AreEqual(0, verify.ExitCode, verify.ToString() + "\n" + rewrite);
        var manifest = ManifestVerifier.VerifyFolder(dir.PathOf("out"), dir.PathOf("k.pub.pem")).Manifest!;
        var plugin = manifest.Assemblies.Single();
        Assert.AreEqual("LogReader.dll", plugin.File);
        Assert.IsTrue(plugin.Changed);
        Assert.AreEqual("M:System.IO.File.ReadAllText(System.String)", plugin.Rewrites.Single().OriginalMember);
        Assert.IsTrue(manifest.Runtime.Any(r => r.File == "PrivSep.Shim.dll"), string.Join(", ", manifest.Runtime.Select(r => r.File)));

        File.Copy(dir.PathOf("out", "LogReader.dll"), dir.PathOf("out", "Copy.dll"));
        var extra = await Cli.RunAsync("verify", dir.PathOf("out"), "--public-key", dir.PathOf("k.pub.pem"));
        Assert.AreEqual(1, extra.ExitCode, extra.ToString());
        StringAssert.Contains(extra.Out, "Copy.dll: is not in the signed manifest");
    }

    [TestMethod]
    public async Task BuiltExecutableRunsKeygenAndVerify()
    {
        using var dir = new TempDirectory();
        string privsep = Path.Combine(AppContext.BaseDirectory, "privsep");
        Assert.IsTrue(File.Exists(privsep), $"{privsep} (the apphost copied by the project reference)");

        var keygen = await RunProcessAsync(privsep, "keygen", "--out", dir.PathOf("k.pem"));
        var verify = await RunProcessAsync(privsep, "verify", dir.Root, "--public-key", dir.PathOf("k.pub.pem"));
        var usage = await RunProcessAsync(privsep, "verify");

        Assert.AreEqual(0, keygen.ExitCode, keygen.ToString());
        Assert.AreEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(dir.PathOf("k.pem")));
        Assert.AreEqual(1, verify.ExitCode, verify.ToString());
        StringAssert.Contains(verify.Out, "privsep.manifest.json is missing");
        Assert.AreEqual(2, usage.ExitCode, usage.ToString());
    }

    private static void Compile(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "netstandard.dll" or "mscorlib.dll")
            .Select(p => MetadataReference.CreateFromFile(p));
        var compilation = CSharpCompilation.Create(
            Path.GetFileNameWithoutExtension(path),
            [CSharpSyntaxTree.ParseText(PluginSource, path: "LogReader.cs")],
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, deterministic: true));
        var emit = compilation.Emit(path);
        Assert.IsTrue(emit.Success, string.Join("\n", emit.Diagnostics));
    }

    private static async Task<CliRun> RunProcessAsync(string fileName, params string[] args)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        return new CliRun(process.ExitCode, await stdout, await stderr);
    }
}

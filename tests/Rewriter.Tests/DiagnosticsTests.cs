using PrivSep.Rewriter.Model;
using PrivSep.Rewriter.Tests.Infrastructure;

namespace PrivSep.Rewriter.Tests;

[TestClass]
public sealed class DiagnosticsTests
{
    [TestMethod]
    public void UnredirectableRoutesAreReportedWithIdsMethodsAndLines()
    {
        using var temp = new TempFolder();
        string input = temp.Sub("in");
        PluginCompiler.Compile(input, "Rogue", Sources.Unredirectable);

        FolderRewriteResult scan = FolderRewriter.Scan(input);

        string[] lines = Sources.Unredirectable.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            int marker = lines[i].IndexOf("//PS", StringComparison.Ordinal);
            if (marker < 0)
            {
                continue;
            }

            string id = lines[i][(marker + 2)..].Trim();
            Assert.IsTrue(scan.Diagnostics.Any(d => d.Id == id && d.Line == i + 1 && d.Method is not null && d.SourceFile!.EndsWith("Rogue.cs", StringComparison.Ordinal)), $"{id} expected on line {i + 1}:\n{string.Join("\n", scan.Diagnostics)}");
        }

        RewriteDiagnostic pinvoke = scan.Diagnostics.Single(d => d.Id == DiagnosticIds.PlatformInvoke);
        StringAssert.Contains(pinvoke.Message, "libc!open");
        Assert.AreEqual("Rogue.Tricks.Open", pinvoke.Method);
        RewriteDiagnostic derived = scan.Diagnostics.Single(d => d.Id == DiagnosticIds.DerivesFromPrivilegedType);
        Assert.AreEqual(DiagnosticSeverity.Error, derived.Severity);
        StringAssert.Contains(derived.Message, "Rogue.MyStream");
        StringAssert.Contains(derived.ToString(), "error PS1005");
        Assert.IsTrue(scan.HasErrors);
    }

    [TestMethod]
    public void CompilerGeneratedCodeIsReportedAtTheUserMethod()
    {
        using var temp = new TempFolder();
        string input = temp.Sub("in");
        PluginCompiler.Compile(input, "Plugin", Sources.Calls);

        AssemblyRewriteRecord plugin = FolderRewriter.Scan(input).Assemblies.Single(a => a.FileName == "Plugin.dll");

        CallSiteRewrite inAsync = plugin.Rewrites.Single(r => r.Method == "Plugin.Calls.ReadAsync");
        Assert.AreEqual(17, inAsync.Line);
        Assert.AreEqual(1, plugin.Rewrites.Count(r => r.Method == "Plugin.Calls.Iterate"));
        Assert.AreEqual(1, plugin.Rewrites.Count(r => r.Method == "Plugin.Calls.Lambda"));
    }

    [TestMethod]
    public void UnreadableFileIsAnErrorNamingItAndTheFix()
    {
        using var temp = new TempFolder();
        string input = temp.Sub("in");
        File.WriteAllText(Path.Combine(input, "Broken.dll"), "MZ but not really");

        FolderRewriteResult result = FolderRewriter.Rewrite(new RewriteOptions(input, Path.Combine(temp.Path, "out")));

        RewriteDiagnostic error = result.Diagnostics.Single(d => d.Id == DiagnosticIds.UnreadableAssembly);
        Assert.AreEqual(DiagnosticSeverity.Error, error.Severity);
        StringAssert.Contains(error.Message, "Broken.dll");
        StringAssert.Contains(error.Message, "replace it with a valid build");
        Assert.IsFalse(File.Exists(Path.Combine(temp.Path, "out", "Broken.dll")));
    }

    [TestMethod]
    public void NativeLibrariesBesideTheAssembliesAreReportedAndEveryCopiedFileIsListed()
    {
        using var temp = new TempFolder();
        string input = temp.Sub("in");
        string output = System.IO.Path.Combine(temp.Path, "out");
        PluginCompiler.Compile(input, "Plugin", Sources.Calls);
        byte[] elf = [0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        File.WriteAllBytes(System.IO.Path.Combine(input, "libnative.so"), elf);
        Directory.CreateDirectory(System.IO.Path.Combine(input, "runtimes", "linux-x64", "native"));
        File.WriteAllBytes(System.IO.Path.Combine(input, "runtimes", "linux-x64", "native", "libfoo.so.1"), elf);
        File.WriteAllText(System.IO.Path.Combine(input, "notes.txt"), "not code");

        FolderRewriteResult scan = FolderRewriter.Scan(input);
        FolderRewriteResult result = FolderRewriter.Rewrite(new RewriteOptions(input, output));

        foreach (FolderRewriteResult run in new[] { scan, result })
        {
            string[] reported = run.Diagnostics.Where(d => d.Id == DiagnosticIds.UnreadableAssembly).Select(d => d.Assembly!).Order(StringComparer.Ordinal).ToArray();
            CollectionAssert.AreEqual(new[] { "libnative.so", "runtimes/linux-x64/native/libfoo.so.1" }, reported, string.Join("\n", run.Diagnostics));
            Assert.IsTrue(run.Diagnostics.Where(d => d.Id == DiagnosticIds.UnreadableAssembly).All(d => d.Severity == DiagnosticSeverity.Warning && d.Message.Contains("is a native library", StringComparison.Ordinal)));
        }

        CollectionAssert.IsSubsetOf(new[] { "Plugin.pdb", "libnative.so", "notes.txt", "runtimes/linux-x64/native/libfoo.so.1" }, result.OtherFiles.ToArray());
        Assert.IsFalse(result.OtherFiles.Any(f => f.EndsWith(".dll", StringComparison.Ordinal)), "assemblies are listed as assemblies");
        CollectionAssert.AreEqual(elf, File.ReadAllBytes(System.IO.Path.Combine(output, "runtimes", "linux-x64", "native", "libfoo.so.1")));
    }

    [TestMethod]
    public void BadShimMakesTheRunFailWithCatalogErrors()
    {
        using var temp = new TempFolder();
        string shim = PluginCompiler.Compile(temp.Sub("shim"), "PrivSep.Shim", Sources.BadShim);
        string input = temp.Sub("in");
        PluginCompiler.Compile(input, "Plugin", Sources.Calls);

        FolderRewriteResult result = FolderRewriter.Scan(input, shim);

        Assert.IsTrue(result.HasErrors);
        Assert.IsTrue(result.Diagnostics.All(d => d.Id == DiagnosticIds.InvalidCatalog));
    }
}

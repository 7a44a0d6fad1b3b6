using System.Reflection;
using System.Reflection.PortableExecutable;
using Mono.Cecil;
using Mono.Cecil.Cil;
using PrivSep.Rewriter.Model;
using PrivSep.Rewriter.Tests.Infrastructure;

namespace PrivSep.Rewriter.Tests;

/// <summary>
/// A real crossgen2 (ReadyToRun) image is rewritten to IL-only: its precompiled code still calls the original members,
/// so keeping it would undo the rewrite. The image comes from <c>dotnet publish -p:PublishReadyToRun=true</c>; when that
/// cannot run (no Crossgen2 package and no feed), the setup fails with the reason instead of skipping.
/// </summary>
[TestClass]
public sealed class ReadyToRunTests
{
    private const string PluginName = "R2RPlugin";

    private const string Source = """
        namespace R2RPlugin
        {
            public static class Reader
            {
                public static string Read(string path) => System.IO.File.ReadAllText(path);
                public static int Twice(int x) => x * 2;
            }
        }
        """;

    private const CorFlags ILLibrary = (CorFlags)0x4;

    private static TempFolder temp = null!;
    private static string input = null!;
    private static string output = null!;
    private static FolderRewriteResult result = null!;

    [ClassInitialize]
    public static void PublishAndRewrite(TestContext context)
    {
        string published = ReadyToRunPublisher.Publish(PluginName, Source);
        temp = new TempFolder();
        input = temp.Sub("in");
        output = Path.Combine(temp.Path, "out");
        foreach (string file in Directory.EnumerateFiles(published))
        {
            File.Copy(file, Path.Combine(input, Path.GetFileName(file)));
        }

        result = FolderRewriter.Rewrite(new RewriteOptions(input, output));
    }

    [ClassCleanup]
    public static void Cleanup() => temp?.Dispose();

    [TestMethod]
    public void PublishedInputIsReallyReadyToRun()
    {
        using var reader = new PEReader(File.OpenRead(Path.Combine(input, PluginName + ".dll")));
        CorHeader cor = reader.PEHeaders.CorHeader!;
        Assert.IsTrue(cor.ManagedNativeHeaderDirectory.Size > 0, "crossgen2 output has a managed native header (READYTORUN_HEADER)");
        Assert.AreEqual(ILLibrary, cor.Flags & ILLibrary, "crossgen2 output carries COMIMAGE_FLAGS_IL_LIBRARY");
    }

    [TestMethod]
    public void ConversionIsReportedAsInfoAndNothingFails()
    {
        Assert.IsFalse(result.HasErrors, string.Join("\n", result.Diagnostics));
        RewriteDiagnostic converted = result.Diagnostics.Single(d => d.Id == DiagnosticIds.ReadyToRunConverted);
        Assert.AreEqual(DiagnosticSeverity.Info, converted.Severity);
        StringAssert.Contains(converted.Message, PluginName + ".dll");
        AssemblyRewriteRecord record = result.Assemblies.Single(a => a.FileName == PluginName + ".dll");
        Assert.IsTrue(record.Changed);
        CallSiteRewrite rewrite = record.Rewrites.Single();
        Assert.AreEqual("M:System.IO.File.ReadAllText(System.String)", rewrite.OriginalMember);
        Assert.AreEqual("M:PrivSep.Shim.Replacements.FileShims.ReadAllText(System.String)", rewrite.Replacement);
        StringAssert.EndsWith(rewrite.SourceFile, PluginName + ".cs", "the publish's PDB is kept and read");
    }

    [TestMethod]
    public void OutputIsILOnly()
    {
        using var reader = new PEReader(File.OpenRead(Path.Combine(output, PluginName + ".dll")));
        CorHeader cor = reader.PEHeaders.CorHeader!;
        Assert.AreEqual(0, cor.ManagedNativeHeaderDirectory.Size, "no managed native header left");
        Assert.AreEqual((CorFlags)0, cor.Flags & ILLibrary, "no ILLibrary flag left");
        Assert.AreEqual(CorFlags.ILOnly, cor.Flags & CorFlags.ILOnly);
        Assert.IsTrue(reader.PEHeaders.CoffHeader.Machine is Machine.I386 or Machine.Amd64, $"a plain machine type, not crossgen's OS-salted one: {reader.PEHeaders.CoffHeader.Machine}");
    }

    [TestMethod]
    public void CallNowTargetsTheShim()
    {
        using ModuleDefinition module = ModuleDefinition.ReadModule(Path.Combine(output, PluginName + ".dll"));
        MethodDefinition read = module.GetType("R2RPlugin.Reader").Methods.Single(m => m.Name == "Read");
        var calls = read.Body.Instructions.Where(i => i.OpCode == OpCodes.Call).Select(i => (MethodReference)i.Operand).ToList();
        Assert.IsTrue(calls.Any(m => m.DeclaringType.FullName == "PrivSep.Shim.Replacements.FileShims" && m.Name == "ReadAllText"), string.Join(", ", calls));
        Assert.IsFalse(calls.Any(m => m.DeclaringType.FullName == "System.IO.File"), "the original call is gone");
    }

    [TestMethod]
    public void OutputLoadsEveryMethodJitsAndStillReadsAFile()
    {
        string file = Path.Combine(temp.Path, "readable.txt");
        File.WriteAllText(file, "ready");
        using var loader = new PluginLoader(output);
        Assembly assembly = loader.LoadFile(PluginName + ".dll");
        Assert.IsTrue(PluginLoader.PrepareAll(assembly) >= 2);
        Type reader = assembly.GetType("R2RPlugin.Reader")!;
        Assert.AreEqual("ready", reader.GetMethod("Read")!.Invoke(null, [file]));
        Assert.AreEqual(42, reader.GetMethod("Twice")!.Invoke(null, [21]));
    }

    [TestMethod]
    public void SecondRunOnTheOutputIsANoOp()
    {
        string again = Path.Combine(temp.Path, "again");
        FolderRewriteResult second = FolderRewriter.Rewrite(new RewriteOptions(output, again));
        Assert.IsTrue(second.Diagnostics.Any(d => d.Id == DiagnosticIds.AlreadyRewritten), string.Join("\n", second.Diagnostics));
        Assert.IsFalse(second.Diagnostics.Any(d => d.Id == DiagnosticIds.ReadyToRunConverted));
        CollectionAssert.AreEqual(File.ReadAllBytes(Path.Combine(output, PluginName + ".dll")), File.ReadAllBytes(Path.Combine(again, PluginName + ".dll")));
    }
}

using Mono.Cecil;
using PrivSep.Rewriter.Model;
using PrivSep.Rewriter.Tests.Infrastructure;

namespace PrivSep.Rewriter.Tests;

[TestClass]
public sealed class OutputTests
{
    private const string Reader = """
        namespace Plugin { public static class R { public static string Read(string p) => System.IO.File.ReadAllText(p); } }
        """;

    [TestMethod]
    public void EmbeddedPdbStaysEmbedded()
    {
        using var temp = new TempFolder();
        string input = temp.Sub("in");
        PluginCompiler.Compile(input, "Plugin", Reader, Symbols.Embedded);
        string output = Path.Combine(temp.Path, "out");

        FolderRewriteResult result = FolderRewriter.Rewrite(new RewriteOptions(input, output));

        Assert.IsTrue(result.Assemblies.Single(a => a.FileName == "Plugin.dll").Changed);
        Assert.IsFalse(File.Exists(Path.Combine(output, "Plugin.pdb")));
        using ModuleDefinition module = ModuleDefinition.ReadModule(Path.Combine(output, "Plugin.dll"), new ReaderParameters { ReadSymbols = true });
        Assert.IsInstanceOfType<Mono.Cecil.Cil.EmbeddedPortablePdbReader>(module.SymbolReader);
        Assert.IsTrue(module.GetType("Plugin.R").Methods.Single(m => m.Name == "Read").DebugInformation.HasSequencePoints);
        string other = Path.Combine(temp.Path, "other");
        FolderRewriter.Rewrite(new RewriteOptions(input, other));
        CollectionAssert.AreEqual(File.ReadAllBytes(Path.Combine(output, "Plugin.dll")), File.ReadAllBytes(Path.Combine(other, "Plugin.dll")), "embedded-PDB output is deterministic");
    }

    [TestMethod]
    public void NoPdbStaysWithoutPdbAndJits()
    {
        using var temp = new TempFolder();
        string input = temp.Sub("in");
        PluginCompiler.Compile(input, "Plugin", Reader, Symbols.None);
        string output = Path.Combine(temp.Path, "out");

        FolderRewriteResult result = FolderRewriter.Rewrite(new RewriteOptions(input, output));

        CallSiteRewrite rewrite = result.Assemblies.Single(a => a.FileName == "Plugin.dll").Rewrites.Single();
        Assert.IsNull(rewrite.SourceFile);
        Assert.IsFalse(File.Exists(Path.Combine(output, "Plugin.pdb")));
        using var loader = new PluginLoader(output);
        PluginLoader.PrepareAll(loader.LoadFile("Plugin.dll"));
    }

    [TestMethod]
    public void StrongNamedAssemblyKeepsItsIdentityAndIsResignedWithTheKey()
    {
        using var temp = new TempFolder();
        string key = PluginCompiler.CreateStrongNameKey(Path.Combine(temp.Path, "test.snk"));
        string input = temp.Sub("in");
        string dll = PluginCompiler.Compile(input, "Plugin", Reader, keyFile: key);
        byte[] publicKey;
        using (ModuleDefinition original = ModuleDefinition.ReadModule(dll))
        {
            publicKey = original.Assembly.Name.PublicKey;
            Assert.IsTrue(publicKey.Length > 0);
        }

        string signed = Path.Combine(temp.Path, "signed");
        FolderRewriteResult withKey = FolderRewriter.Rewrite(new RewriteOptions(input, signed, StrongNameKeyPath: key));
        string unsigned = Path.Combine(temp.Path, "unsigned");
        FolderRewriteResult withoutKey = FolderRewriter.Rewrite(new RewriteOptions(input, unsigned));

        Assert.IsFalse(withKey.Diagnostics.Any(d => d.Id == DiagnosticIds.StrongNameNotResigned));
        Assert.IsTrue(withoutKey.Diagnostics.Any(d => d.Id == DiagnosticIds.StrongNameNotResigned && d.Severity == DiagnosticSeverity.Warning));
        foreach (string folder in new[] { signed, unsigned })
        {
            using ModuleDefinition module = ModuleDefinition.ReadModule(Path.Combine(folder, "Plugin.dll"));
            CollectionAssert.AreEqual(publicKey, module.Assembly.Name.PublicKey, folder);
            using var loader = new PluginLoader(folder);
            PluginLoader.PrepareAll(loader.LoadFile("Plugin.dll"));
        }

        using ModuleDefinition resigned = ModuleDefinition.ReadModule(Path.Combine(signed, "Plugin.dll"));
        Assert.IsTrue(resigned.Attributes.HasFlag(ModuleAttributes.StrongNameSigned));
    }

    [TestMethod]
    public void InPlaceRewritesAtomicallyAndLeavesNoTemporaryFiles()
    {
        using var temp = new TempFolder();
        string input = temp.Sub("in");
        PluginCompiler.Compile(input, "Plugin", Reader);
        byte[] before = File.ReadAllBytes(Path.Combine(input, "Plugin.dll"));

        FolderRewriteResult result = FolderRewriter.Rewrite(new RewriteOptions(input, null, InPlace: true));

        AssemblyRewriteRecord plugin = result.Assemblies.Single(a => a.FileName == "Plugin.dll");
        Assert.IsTrue(plugin.Changed);
        CollectionAssert.AreNotEqual(before, File.ReadAllBytes(Path.Combine(input, "Plugin.dll")));
        Assert.AreEqual(plugin.RewrittenSha256, AssemblyRewriter.Sha256(File.ReadAllBytes(Path.Combine(input, "Plugin.dll"))));
        Assert.IsTrue(File.Exists(Path.Combine(input, "PrivSep.Shim.dll")));
        Assert.IsFalse(Directory.EnumerateFiles(input, "*privsep-tmp*", SearchOption.AllDirectories).Any());

        FolderRewriteResult again = FolderRewriter.Rewrite(new RewriteOptions(input, null, InPlace: true));
        Assert.IsTrue(again.Assemblies.Single(a => a.FileName == "Plugin.dll").AlreadyRewritten);
        Assert.IsFalse(again.Diagnostics.Any(d => d.Id == DiagnosticIds.ShimDependency && d.Severity != DiagnosticSeverity.Info));
    }

    [TestMethod]
    public void CopiedFilesKeepTheirPermissionsAndTimestampButNoSetId()
    {
        using var temp = new TempFolder();
        string input = temp.Sub("in");
        string script = System.IO.Path.Combine(input, "tools", "run.sh");
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(script)!);
        File.WriteAllText(script, "#!/bin/sh\n");
        File.SetUnixFileMode(script, UnixFileMode.SetUser | UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        var written = new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(script, written);

        FolderRewriter.Rewrite(new RewriteOptions(input, System.IO.Path.Combine(temp.Path, "out")));

        string copy = System.IO.Path.Combine(temp.Path, "out", "tools", "run.sh");
        Assert.AreEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute, File.GetUnixFileMode(copy));
        Assert.AreEqual(written, File.GetLastWriteTimeUtc(copy));
    }

    [TestMethod]
    public void SymbolicLinkInTheInputIsCopiedAsTheFileItPointsTo()
    {
        using var temp = new TempFolder();
        string input = temp.Sub("in");
        string target = System.IO.Path.Combine(temp.Sub("elsewhere"), "data.txt");
        File.WriteAllText(target, "data");
        File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.CreateSymbolicLink(System.IO.Path.Combine(input, "data.txt"), target);

        FolderRewriteResult result = FolderRewriter.Rewrite(new RewriteOptions(input, System.IO.Path.Combine(temp.Path, "out")));

        var copy = new FileInfo(System.IO.Path.Combine(temp.Path, "out", "data.txt"));
        Assert.IsNull(copy.LinkTarget, "the output holds a regular file, which the manifest can pin");
        Assert.AreEqual("data", File.ReadAllText(copy.FullName));
        Assert.AreEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite, copy.UnixFileMode, "the target's mode, not the link's 0777");
        CollectionAssert.Contains(result.OtherFiles.ToArray(), "data.txt");
    }

    [TestMethod]
    public void RewrittenAssemblyCarriesTheMarker()
    {
        using var temp = new TempFolder();
        string input = temp.Sub("in");
        PluginCompiler.Compile(input, "Plugin", Reader);
        string output = Path.Combine(temp.Path, "out");

        FolderRewriteResult result = FolderRewriter.Rewrite(new RewriteOptions(input, output));

        using ModuleDefinition module = ModuleDefinition.ReadModule(Path.Combine(output, "Plugin.dll"));
        CustomAttribute marker = module.Assembly.CustomAttributes.Single(a => a.AttributeType.Name == "AssemblyMetadataAttribute" && (string)a.ConstructorArguments[0].Value == "PrivSep.Rewritten");
        StringAssert.Contains((string)marker.ConstructorArguments[1].Value, result.CatalogSha256);
        Assert.AreEqual(FolderRewriter.ToolVersion, result.ToolVersion);
    }

    [TestMethod]
    public void ShimFilesCarriedByTheInputAreListedEvenWhenNothingIsRewritten()
    {
        // A plugin without privileged calls whose build copied the Shim in (a package dependency): every assembly of the
        // output must still be accounted for, or the host's verification would find unlisted files.
        using var temp = new TempFolder();
        string input = temp.Sub("in");
        PluginCompiler.Compile(input, "Plain", "namespace Plugin { public static class P { public static int Add(int a, int b) => a + b; } }");
        File.Copy(ShimLocator.DefaultShimPath, Path.Combine(input, "PrivSep.Shim.dll"));
        string output = Path.Combine(temp.Path, "out");

        FolderRewriteResult result = FolderRewriter.Rewrite(new RewriteOptions(input, output));

        Assert.IsFalse(result.Assemblies.Single(a => a.FileName == "Plain.dll").Changed);
        var listed = result.Assemblies.Select(a => a.FileName).ToHashSet();
        foreach (string file in Directory.EnumerateFiles(output, "*.dll"))
        {
            Assert.Contains(Path.GetFileName(file), listed, $"{Path.GetFileName(file)} is in the output but not in the result");
        }

        Assert.Contains("PrivSep.Shim.dll", listed);
    }
}

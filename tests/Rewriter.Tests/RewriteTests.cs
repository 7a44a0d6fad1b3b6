using System.Net.NetworkInformation;
using System.Reflection;
using Mono.Cecil;
using Mono.Cecil.Cil;
using PrivSep.Rewriter.Model;
using PrivSep.Rewriter.Tests.Infrastructure;

namespace PrivSep.Rewriter.Tests;

[TestClass]
public sealed class RewriteTests
{
    private static TempFolder temp = null!;
    private static string input = null!;
    private static string output = null!;
    private static FolderRewriteResult result = null!;

    [ClassInitialize]
    public static void RewriteOnce(TestContext context)
    {
        temp = new TempFolder();
        input = temp.Sub("in");
        output = Path.Combine(temp.Path, "out");
        PluginCompiler.Compile(input, "Plugin", Sources.Calls);
        PluginCompiler.Compile(input, "Quiet", Sources.Untouched);
        result = FolderRewriter.Rewrite(new RewriteOptions(input, output));
    }

    [ClassCleanup]
    public static void Cleanup() => temp.Dispose();

    [TestMethod]
    public void EveryCallShapeIsRewritten()
    {
        Assert.IsFalse(result.HasErrors, string.Join("\n", result.Diagnostics));
        AssemblyRewriteRecord plugin = result.Assemblies.Single(a => a.FileName == "Plugin.dll");
        Assert.IsTrue(plugin.Changed);
        var methods = plugin.Rewrites.GroupBy(r => r.Method).ToDictionary(g => g.Key, g => g.ToList());
        foreach (string name in new[] { "Read", "ReadStream", "ReadWithReader", "PingIt", "Group", "PingGroup", "ReadAsync", "Iterate", "Lambda", "Local", "Generic", "OnTypeParameter", "Guarded" })
        {
            Assert.IsTrue(methods.ContainsKey("Plugin.Calls." + name), $"no rewrite reported at Plugin.Calls.{name}: {string.Join(", ", methods.Keys)}");
        }

        Assert.IsTrue(methods.ContainsKey("Plugin.Holder`1.Read"));
        Assert.IsFalse(methods.ContainsKey("Plugin.Calls.ThroughBase"), "Stream.Read on a base type is not privileged");
        CallSiteRewrite read = methods["Plugin.Calls.Read"].Single();
        Assert.AreEqual("M:System.IO.File.ReadAllText(System.String)", read.OriginalMember);
        Assert.AreEqual("System.Private.CoreLib", read.OriginalAssembly);
        Assert.AreEqual("M:PrivSep.Shim.Replacements.FileShims.ReadAllText(System.String)", read.Replacement);
        Assert.AreEqual(11, read.Line);
        StringAssert.EndsWith(read.SourceFile, "Plugin.cs");
    }

    [TestMethod]
    public void RewrittenILCallsTheShimAndNoCatalogedMember()
    {
        using ModuleDefinition module = ModuleDefinition.ReadModule(Path.Combine(output, "Plugin.dll"));
        var calls = module.GetTypes().SelectMany(t => t.Methods).Where(m => m.HasBody).SelectMany(m => m.Body.Instructions).Where(i => i.Operand is MethodReference).ToList();

        Assert.IsFalse(calls.Any(i => ((MethodReference)i.Operand).DeclaringType.FullName is "System.IO.File" or "System.Net.NetworkInformation.Ping"), "a cataloged call is left");
        Assert.IsFalse(calls.Any(i => i.OpCode == OpCodes.Newobj && ((MethodReference)i.Operand).DeclaringType.FullName is "System.IO.FileStream" or "System.IO.StreamReader" && ((MethodReference)i.Operand).Parameters[0].ParameterType.FullName == "System.String"));
        Assert.IsTrue(calls.Any(i => i.OpCode == OpCodes.Call && ((MethodReference)i.Operand).DeclaringType.FullName == "PrivSep.Shim.Replacements.FileStreamShims"));
        Assert.IsTrue(calls.Any(i => i.OpCode == OpCodes.Ldftn && ((MethodReference)i.Operand).DeclaringType.FullName == "PrivSep.Shim.Replacements.PingShims"));
        Assert.IsTrue(calls.Any(i => i.OpCode == OpCodes.Callvirt && ((MethodReference)i.Operand).FullName.Contains("System.IO.Stream::Read", StringComparison.Ordinal)), "the base-type call stays");
    }

    [TestMethod]
    public void EveryOutputAssemblyLoadsAndEveryMethodJits()
    {
        using var loader = new PluginLoader(output);
        foreach (AssemblyRewriteRecord record in result.Assemblies)
        {
            Assembly assembly = loader.LoadFile(record.FileName);
            if (record.Changed || record.FileName == "Quiet.dll")
            {
                // Every plugin method JITs; the deployed Shim closure (StreamJsonRpc has Windows-only paths) is only loaded.
                Assert.IsTrue(PluginLoader.PrepareAll(assembly) > 0, record.FileName);
            }
        }
    }

    [TestMethod]
    public async Task RewrittenMethodsStillWorkThroughTheShimFastPath()
    {
        string file = Path.Combine(temp.Path, "readable.txt");
        File.WriteAllText(file, "hello");
        using var loader = new PluginLoader(output);
        Type calls = loader.LoadFile("Plugin.dll").GetType("Plugin.Calls")!;
        object? Call(string name, params object?[] args) => calls.GetMethod(name)!.Invoke(null, args);

        Assert.AreEqual("hello", Call("Read", file));
        Assert.AreEqual("hello", Call("ReadStream", file));
        Assert.AreEqual("hello", Call("ReadWithReader", file));
        Assert.AreEqual("hello", ((Func<string, string>)Call("Group")!)(file));
        Assert.AreEqual("hello", await (Task<string>)Call("ReadAsync", file)!);
        Assert.AreEqual("hello", ((IEnumerable<string>)Call("Iterate", file)!).Single());
        Assert.AreEqual("hello", Call("Lambda", file));
        Assert.AreEqual("hello", Call("Local", file));
        Assert.AreEqual("hello", Call("Guarded", file));
        Assert.AreEqual("io", Call("Guarded", Path.Combine(temp.Path, "missing.txt")));
        Assert.AreEqual("42hello", calls.GetMethod("Generic")!.MakeGenericMethod(typeof(int)).Invoke(null, [42, file]));
        Assert.AreEqual("42hello", calls.GetMethod("Generic")!.MakeGenericMethod(typeof(string)).Invoke(null, ["42", file]));
        RuntimeHelpersPrepare(calls.GetMethod("OnTypeParameter")!.MakeGenericMethod(typeof(Ping)));
        Assert.IsNotNull(Call("PingGroup", new Ping()));

        // callvirt → static call: a null instance still throws NullReferenceException.
        TargetInvocationException thrown = Assert.ThrowsExactly<TargetInvocationException>(() => Call("PingIt", [null]));
        Assert.IsInstanceOfType<NullReferenceException>(thrown.InnerException);
    }

    [TestMethod]
    public void AssemblyReferencingNothingCatalogedIsCopiedByteForByte()
    {
        AssemblyRewriteRecord quiet = result.Assemblies.Single(a => a.FileName == "Quiet.dll");
        Assert.IsFalse(quiet.Changed);
        Assert.AreEqual(quiet.OriginalSha256, quiet.RewrittenSha256);
        CollectionAssert.AreEqual(File.ReadAllBytes(Path.Combine(input, "Quiet.dll")), File.ReadAllBytes(Path.Combine(output, "Quiet.dll")));
        CollectionAssert.AreEqual(File.ReadAllBytes(Path.Combine(input, "Quiet.pdb")), File.ReadAllBytes(Path.Combine(output, "Quiet.pdb")));
    }

    [TestMethod]
    public void ShimAndItsDependenciesAreDeployedBesideTheOutput()
    {
        foreach (string name in new[] { "PrivSep.Shim.dll", "PrivSep.Protocol.dll", "StreamJsonRpc.dll" })
        {
            Assert.IsTrue(File.Exists(Path.Combine(output, name)), name);
            Assert.IsTrue(result.Assemblies.Any(a => a.FileName == name), name + " is listed for the manifest");
        }
    }

    [TestMethod]
    public void PortablePdbIsKeptAndMatches()
    {
        var parameters = new ReaderParameters { ReadSymbols = true };
        using ModuleDefinition module = ModuleDefinition.ReadModule(Path.Combine(output, "Plugin.dll"), parameters);
        MethodDefinition read = module.GetType("Plugin.Calls").Methods.Single(m => m.Name == "Read");
        Assert.IsTrue(read.DebugInformation.HasSequencePoints);
        Assert.AreEqual(11, read.DebugInformation.SequencePoints.First(p => !p.IsHidden).StartLine);
    }

    [TestMethod]
    public void SecondRunIsANoOpThatSaysSo()
    {
        string again = Path.Combine(temp.Path, "again");
        FolderRewriteResult second = FolderRewriter.Rewrite(new RewriteOptions(output, again));

        AssemblyRewriteRecord plugin = second.Assemblies.Single(a => a.FileName == "Plugin.dll");
        Assert.IsTrue(plugin.AlreadyRewritten);
        Assert.IsFalse(plugin.Changed);
        Assert.IsTrue(second.Diagnostics.Any(d => d.Id == DiagnosticIds.AlreadyRewritten));
        foreach (string file in Directory.EnumerateFiles(output))
        {
            CollectionAssert.AreEqual(File.ReadAllBytes(file), File.ReadAllBytes(Path.Combine(again, Path.GetFileName(file))), file);
        }
    }

    [TestMethod]
    public void OutputIsDeterministic()
    {
        string other = Path.Combine(temp.Path, "other");
        FolderRewriteResult second = FolderRewriter.Rewrite(new RewriteOptions(input, other));

        CollectionAssert.AreEqual(result.Assemblies.Select(a => a.RewrittenSha256).ToList(), second.Assemblies.Select(a => a.RewrittenSha256).ToList());
        foreach (string file in Directory.EnumerateFiles(output))
        {
            CollectionAssert.AreEqual(File.ReadAllBytes(file), File.ReadAllBytes(Path.Combine(other, Path.GetFileName(file))), file);
        }
    }

    [TestMethod]
    public void ScanWritesNothingAndListsWhatWouldChange()
    {
        FolderRewriteResult scan = FolderRewriter.Scan(input);

        CollectionAssert.AreEquivalent(
            result.Assemblies.Single(a => a.FileName == "Plugin.dll").Rewrites.Select(r => (r.Method, r.ILOffset, r.OriginalMember)).ToList(),
            scan.Assemblies.Single(a => a.FileName == "Plugin.dll").Rewrites.Select(r => (r.Method, r.ILOffset, r.OriginalMember)).ToList());
        CollectionAssert.AreEquivalent(new[] { "Plugin.cs", "Plugin.dll", "Plugin.pdb", "Quiet.cs", "Quiet.dll", "Quiet.pdb" }, Directory.EnumerateFiles(input).Select(Path.GetFileName).ToArray());
    }

    private static void RuntimeHelpersPrepare(MethodInfo method) => System.Runtime.CompilerServices.RuntimeHelpers.PrepareMethod(method.MethodHandle);
}

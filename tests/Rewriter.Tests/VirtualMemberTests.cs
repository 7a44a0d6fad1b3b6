using System.Reflection;
using Mono.Cecil;
using Mono.Cecil.Cil;
using PrivSep.Rewriter.Model;
using PrivSep.Rewriter.Tests.Infrastructure;

namespace PrivSep.Rewriter.Tests;

/// <summary>ldvirtftn, constrained. and base. calls need a virtual cataloged member: a fake Shim replaces Stream.Flush/Close.</summary>
[TestClass]
public sealed class VirtualMemberTests
{
    [TestMethod]
    public void MethodGroupOfVirtualMemberBecomesClosedStaticDelegate()
    {
        using var temp = new TempFolder();
        string shimDir = temp.Sub("shim");
        string shim = PluginCompiler.Compile(shimDir, "PrivSep.Shim", Sources.FakeShim);
        string input = temp.Sub("in");
        PluginCompiler.Compile(input, "Plugin", Sources.VirtualCalls);
        string output = Path.Combine(temp.Path, "out");

        FolderRewriteResult result = FolderRewriter.Rewrite(new RewriteOptions(input, output, ShimAssemblyPath: shim));

        Assert.IsFalse(result.HasErrors, string.Join("\n", result.Diagnostics));
        Assert.IsTrue(result.Diagnostics.Any(d => d.Id == DiagnosticIds.BaseCall && d.Method == "Plugin.Derived.Close"), string.Join("\n", result.Diagnostics));
        using (ModuleDefinition module = ModuleDefinition.ReadModule(Path.Combine(output, "Plugin.dll")))
        {
            var body = module.GetType("Plugin.Virtuals").Methods.Single(m => m.Name == "FlushGroup").Body.Instructions;
            Assert.IsFalse(body.Any(i => i.OpCode == OpCodes.Ldvirtftn || i.OpCode == OpCodes.Dup));
            Assert.IsTrue(body.Any(i => i.OpCode == OpCodes.Ldftn && ((MethodReference)i.Operand).DeclaringType.Name == "StreamShims"));
        }

        using var loader = new PluginLoader(output);
        Assembly plugin = loader.LoadFile("Plugin.dll");
        PluginLoader.PrepareAll(plugin);
        Type shims = loader.LoadFile("PrivSep.Shim.dll").GetType("PrivSep.Shim.StreamShims")!;
        Type virtuals = plugin.GetType("Plugin.Virtuals")!;
        var flush = (Action)virtuals.GetMethod("FlushGroup")!.Invoke(null, [new MemoryStream()])!;
        flush();
        virtuals.GetMethod("FlushNow")!.Invoke(null, [new MemoryStream()]);
        Assert.AreEqual(2, (int)shims.GetField("Flushes")!.GetValue(null)!);
    }

    [TestMethod]
    public void ConstrainedPrefixIsTurnedIntoALoad()
    {
        using var temp = new TempFolder();
        string shim = PluginCompiler.Compile(temp.Sub("shim"), "PrivSep.Shim", Sources.FakeShim);
        string input = temp.Sub("in");
        string source = """
            namespace Plugin
            {
                public static class Generic
                {
                    public static void FlushIt<T>(T stream) where T : System.IO.Stream { stream.Flush(); }
                }
            }
            """;
        string dll = PluginCompiler.Compile(input, "Plugin", source);

        // Roslyn boxes a class-constrained receiver; rewrite the call as `ldarga; constrained. !!T; callvirt` as other compilers emit it.
        using (ModuleDefinition module = ModuleDefinition.ReadModule(dll, new ReaderParameters { InMemory = true, ReadSymbols = true }))
        {
            MethodDefinition method = module.GetType("Plugin.Generic").Methods.Single(m => m.Name == "FlushIt");
            Instruction box = method.Body.Instructions.Single(i => i.OpCode == OpCodes.Box);
            Instruction load = box.Previous;
            load.OpCode = OpCodes.Ldarga_S;
            load.Operand = method.Parameters[0];
            box.OpCode = OpCodes.Constrained;
            module.Write(dll, new WriterParameters { WriteSymbols = true });
        }

        string output = Path.Combine(temp.Path, "out");
        FolderRewriteResult result = FolderRewriter.Rewrite(new RewriteOptions(input, output, ShimAssemblyPath: shim));

        Assert.AreEqual(1, result.Assemblies.Single(a => a.FileName == "Plugin.dll").Rewrites.Count);
        using var loader = new PluginLoader(output);
        Type shims = loader.LoadFile("PrivSep.Shim.dll").GetType("PrivSep.Shim.StreamShims")!;
        MethodInfo flushIt = loader.LoadFile("Plugin.dll").GetType("Plugin.Generic")!.GetMethod("FlushIt")!;
        flushIt.MakeGenericMethod(typeof(MemoryStream)).Invoke(null, [new MemoryStream()]);
        Assert.AreEqual(1, (int)shims.GetField("Flushes")!.GetValue(null)!);
    }
}

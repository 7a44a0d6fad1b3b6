using System.Runtime.InteropServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;
using PrivSep.Rewriter;
using PrivSep.Rewriter.Model;

namespace PrivSep.Bench.Rewriter;

/// <summary>The input folders: copies of the shared framework's biggest assemblies treated as plugins, and Roslyn-compiled plugins that call cataloged members.</summary>
internal static class Inputs
{
    /// <summary>The framework folder of the runtime running the benchmark (its assemblies are crossgen2 ReadyToRun images).</summary>
    public static string FrameworkDirectory => RuntimeEnvironment.GetRuntimeDirectory();

    /// <summary>The <paramref name="count"/> biggest managed framework assemblies, CoreLib excluded (it defines the cataloged members itself).</summary>
    public static List<string> BiggestFrameworkAssemblies(int count) =>
        Directory.EnumerateFiles(FrameworkDirectory, "*.dll")
            .Where(p => Path.GetFileName(p) != "System.Private.CoreLib.dll" && IsManaged(p))
            .OrderByDescending(p => new FileInfo(p).Length)
            .Take(count)
            .ToList();

    public static string CopyInto(string directory, IEnumerable<string> files)
    {
        Directory.CreateDirectory(directory);
        foreach (string file in files)
        {
            File.Copy(file, Path.Combine(directory, Path.GetFileName(file)), overwrite: true);
        }

        return directory;
    }

    /// <summary>Which framework assemblies have call sites the engine would rewrite (FolderRewriter.Scan, nothing written).</summary>
    public static List<(string File, int Rewrites)> WithCatalogedCallSites(string scanDirectory)
    {
        FolderRewriteResult scan = FolderRewriter.Scan(scanDirectory);
        return scan.Assemblies.Where(a => a.Changed).Select(a => (a.FileName, a.Rewrites.Count)).OrderByDescending(a => a.Count).ToList();
    }

    /// <summary>A plugin that does real rewriting: each of its <paramref name="classes"/> classes calls several cataloged members.</summary>
    public static void CompilePlugin(string directory, string name, int classes)
    {
        var source = new System.Text.StringBuilder("using System; using System.IO; using System.Collections.Generic; using System.Threading.Tasks; namespace Bench {\n");
        for (int i = 0; i < classes; i++)
        {
            source.Append($$"""
                public static class C{{i}}
                {
                    public static string Read(string p) => File.ReadAllText(p);
                    public static byte[] Bytes(string p) => File.ReadAllBytes(p);
                    public static void Write(string p, string s) => File.WriteAllText(p, s);
                    public static string Stream(string p) { using (var f = new FileStream(p, FileMode.Open, FileAccess.Read)) using (var r = new StreamReader(f)) return r.ReadToEnd(); }
                    public static async Task<string> ReadAsync(string p) { await Task.Yield(); return File.ReadAllText(p); }
                    public static IEnumerable<string> Lines(string p) { foreach (var l in File.ReadAllLines(p)) yield return l; }
                    public static Func<string, string> Group() => File.ReadAllText;
                    public static int Pure(int x) { int s = 0; for (int k = 0; k < x; k++) s += k * {{i}}; return s; }
                }

                """);
        }

        source.Append('}');
        Compile(directory, name, source.ToString());
    }

    private static void Compile(string directory, string name, string source)
    {
        Directory.CreateDirectory(directory);
        string sourcePath = Path.Combine(directory, name + ".cs");
        var compilation = CSharpCompilation.Create(
            name,
            [CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest), path: sourcePath, encoding: System.Text.Encoding.UTF8)],
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release, deterministic: true));
        using var dll = new MemoryStream();
        using var pdb = new MemoryStream();
        EmitResult result = compilation.Emit(dll, pdb, options: new EmitOptions(debugInformationFormat: DebugInformationFormat.PortablePdb, pdbFilePath: Path.Combine(directory, name + ".pdb")));
        if (!result.Success)
        {
            throw new InvalidOperationException(string.Join(Environment.NewLine, result.Diagnostics.Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error)));
        }

        File.WriteAllBytes(Path.Combine(directory, name + ".dll"), dll.ToArray());
        File.WriteAllBytes(Path.Combine(directory, name + ".pdb"), pdb.ToArray());
    }

    /// <summary>Compiled against the implementation assemblies of the running framework: good enough for a benchmark input.</summary>
    private static readonly Lazy<MetadataReference[]> References = new(() =>
        Directory.EnumerateFiles(FrameworkDirectory, "*.dll").Where(IsManaged).Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToArray());

    private static bool IsManaged(string path)
    {
        try
        {
            using var reader = new System.Reflection.PortableExecutable.PEReader(File.OpenRead(path));
            return reader.HasMetadata;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
    }
}

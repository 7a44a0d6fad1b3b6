using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;

namespace PrivSep.EndToEnd.Tests.Fixture;

/// <summary>
/// Compiles a test plugin from C# source against the .NET reference assemblies only — no PrivSep reference — as a
/// third-party plugin author's build would, with a portable PDB beside it.
/// </summary>
internal static class PluginCompiler
{
    private static readonly Lazy<MetadataReference[]> References = new(() =>
        Directory.EnumerateFiles(ReferenceAssemblyDirectory(), "*.dll").Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToArray());

    /// <summary>Emits <paramref name="assemblyName"/>.dll and .pdb into <paramref name="directory"/>; returns the dll's path.</summary>
    public static string Compile(string directory, string assemblyName, string source)
    {
        Directory.CreateDirectory(directory);
        string sourcePath = Path.Combine(directory, assemblyName + ".cs");
        var compilation = CSharpCompilation.Create(
            assemblyName,
            [CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest), path: sourcePath, encoding: System.Text.Encoding.UTF8)],
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, deterministic: true, nullableContextOptions: NullableContextOptions.Enable));
        string dllPath = Path.Combine(directory, assemblyName + ".dll");
        string pdbPath = Path.Combine(directory, assemblyName + ".pdb");
        using var dll = new MemoryStream();
        using var pdb = new MemoryStream();
        EmitResult result = compilation.Emit(dll, pdb, options: new EmitOptions(debugInformationFormat: DebugInformationFormat.PortablePdb, pdbFilePath: pdbPath));
        if (!result.Success)
        {
            throw new InvalidOperationException("The test plugin does not compile:\n" + string.Join("\n", result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        }

        File.WriteAllBytes(dllPath, dll.ToArray());
        File.WriteAllBytes(pdbPath, pdb.ToArray());
        return dllPath;
    }

    /// <summary>The newest <c>packs/Microsoft.NETCore.App.Ref/{major}.*/ref/net{major}.0</c> of the dotnet that runs this test.</summary>
    private static string ReferenceAssemblyDirectory()
    {
        int major = Environment.Version.Major;
        string[] roots =
        [
            Environment.GetEnvironmentVariable("DOTNET_ROOT") ?? string.Empty,
            System.IO.Path.GetDirectoryName(new FileInfo(DotnetHost.Path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? DotnetHost.Path) ?? string.Empty,
            "/usr/share/dotnet",
            "/usr/lib/dotnet",
        ];
        foreach (string root in roots.Where(r => r.Length > 0))
        {
            string packs = Path.Combine(root, "packs", "Microsoft.NETCore.App.Ref");
            if (!Directory.Exists(packs))
            {
                continue;
            }

            var newest = Directory.EnumerateDirectories(packs, $"{major}.*")
                .Select(d => (Directory: d, Version: Version.TryParse(Path.GetFileName(d).Split('-')[0], out var v) ? v : null))
                .Where(d => d.Version is not null && Directory.Exists(Path.Combine(d.Directory, "ref", $"net{major}.0")))
                .OrderByDescending(d => d.Version)
                .FirstOrDefault();
            if (newest.Directory is not null)
            {
                return Path.Combine(newest.Directory, "ref", $"net{major}.0");
            }
        }

        throw new DirectoryNotFoundException($"No Microsoft.NETCore.App.Ref {major}.* reference assemblies were found under {string.Join(", ", roots.Where(r => r.Length > 0))}.");
    }
}

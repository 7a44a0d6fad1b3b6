using System.Security.Cryptography;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;
using PrivSep.Rewriter.Catalog;

namespace PrivSep.Rewriter.Tests.Infrastructure;

internal enum Symbols
{
    PortableBeside,
    Embedded,
    None,
}

/// <summary>Compiles test plugins from C# source against the .NET 10 reference assemblies, as a plugin author's build would.</summary>
internal static class PluginCompiler
{
    private static readonly Lazy<MetadataReference[]> References = new(() =>
        Directory.EnumerateFiles(ReferenceAssemblies.FindDefaultDirectory(), "*.dll").Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToArray());

    /// <summary>Emits <paramref name="assemblyName"/>.dll (and .pdb) into <paramref name="directory"/>; returns the dll path.</summary>
    public static string Compile(string directory, string assemblyName, string source, Symbols symbols = Symbols.PortableBeside, string? keyFile = null, IEnumerable<string>? extraReferences = null)
    {
        Directory.CreateDirectory(directory);
        string sourcePath = Path.Combine(directory, assemblyName + ".cs");
        File.WriteAllText(sourcePath, source);
        var options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Debug, allowUnsafe: true, deterministic: true, nullableContextOptions: NullableContextOptions.Disable);
        if (keyFile is not null)
        {
            options = options.WithCryptoKeyFile(keyFile).WithStrongNameProvider(new DesktopStrongNameProvider());
        }

        IEnumerable<MetadataReference> references = References.Value.Concat((extraReferences ?? []).Select(p => MetadataReference.CreateFromFile(p)));
        CSharpCompilation compilation = CSharpCompilation.Create(
            assemblyName,
            [CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest), path: sourcePath, encoding: System.Text.Encoding.UTF8)],
            references,
            options);
        string dllPath = Path.Combine(directory, assemblyName + ".dll");
        string pdbPath = Path.Combine(directory, assemblyName + ".pdb");
        using var dll = new MemoryStream();
        using var pdb = new MemoryStream();
        EmitResult result = symbols switch
        {
            Symbols.PortableBeside => compilation.Emit(dll, pdb, options: new EmitOptions(debugInformationFormat: DebugInformationFormat.PortablePdb, pdbFilePath: pdbPath)),
            Symbols.Embedded => compilation.Emit(dll, options: new EmitOptions(debugInformationFormat: DebugInformationFormat.Embedded)),
            _ => compilation.Emit(dll),
        };
        if (!result.Success)
        {
            throw new InvalidOperationException(string.Join(Environment.NewLine, result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        }

        File.WriteAllBytes(dllPath, dll.ToArray());
        if (symbols == Symbols.PortableBeside)
        {
            File.WriteAllBytes(pdbPath, pdb.ToArray());
        }

        return dllPath;
    }

    /// <summary>A fresh RSA key pair as an .snk (CSP private-key blob).</summary>
    public static string CreateStrongNameKey(string path)
    {
        using var rsa = new RSACryptoServiceProvider(1024);
        File.WriteAllBytes(path, rsa.ExportCspBlob(includePrivateParameters: true));
        return path;
    }
}

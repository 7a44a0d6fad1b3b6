using System.Security.Cryptography;
using Mono.Cecil;
using PrivSep.Rewriter.Analysis;
using PrivSep.Rewriter.Catalog;
using PrivSep.Rewriter.Model;
using PrivSep.Rewriter.Rewriting;
using PrivSep.Rewriter.Writing;

namespace PrivSep.Rewriter;

/// <summary>One file of the folder: inspect, read, report, rewrite, write (or, when scanning, only report).</summary>
internal sealed class AssemblyRewriter(ShimCatalog catalog, AssemblyResolution resolution, byte[]? strongNameKey, string markerValue)
{
    public List<RewriteDiagnostic> Diagnostics { get; } = [];

    /// <param name="outputPath">Where the result goes; null when scanning (nothing is written).</param>
    /// <returns>The record, or null when the file was refused (an error diagnostic says why).</returns>
    public AssemblyRewriteRecord? Process(string inputPath, string relativeName, string? outputPath)
    {
        bool write = outputPath is not null;
        byte[] original = File.ReadAllBytes(inputPath);
        string originalSha = Sha256(original);
        AssemblyRewriteRecord Unchanged(bool alreadyRewritten = false)
        {
            if (write)
            {
                AtomicFile.Copy(inputPath, outputPath!);
            }

            return new AssemblyRewriteRecord(relativeName, originalSha, originalSha, false, alreadyRewritten, []);
        }

        switch (ImageInspector.Inspect(original, out string? problem))
        {
            case ImageKind.Unreadable:
                this.Error(DiagnosticIds.UnreadableAssembly, relativeName, inputPath, $"cannot be read as a .NET assembly ({problem}); remove it from the folder or replace it with a valid build");
                return null;
            case ImageKind.Native:
                this.Add(DiagnosticIds.UnreadableAssembly, DiagnosticSeverity.Warning, relativeName, inputPath, "is a native library, not a .NET assembly: copied unchanged; its calls are not redirected and the kernel decides what it may do");
                return Unchanged();
            case ImageKind.MixedMode:
                this.Error(DiagnosticIds.MixedModeImage, relativeName, inputPath, "is a mixed-mode (C++/CLI) image, whose native code cannot be rewritten: refused; rebuild it as pure IL or leave it out of the plugin folder");
                return null;
            case ImageKind.ReadyToRun:
            case ImageKind.ILOnly:
                break;
        }

        bool readyToRun = ImageInspector.Inspect(original, out _) == ImageKind.ReadyToRun;
        ModuleDefinition module;
        string? symbolProblem;
        try
        {
            module = ModuleReader.Read(inputPath, resolution.Resolver, out symbolProblem);
        }
        catch (Exception ex) when (ex is BadImageFormatException or InvalidOperationException or ArgumentException or IOException or NotSupportedException)
        {
            this.Error(DiagnosticIds.UnreadableAssembly, relativeName, inputPath, $"cannot be read as a .NET assembly ({ex.Message}); remove it from the folder or replace it with a valid build");
            return null;
        }

        using (module)
        {
            if (module.Assembly is null)
            {
                this.Error(DiagnosticIds.UnreadableAssembly, relativeName, inputPath, "is a module without an assembly manifest (.netmodule); merge it into its assembly");
                return null;
            }

            string assemblyName = module.Assembly.Name.Name;
            if (RewriteMarker.Find(module.Assembly) is { } marker)
            {
                this.Add(DiagnosticIds.AlreadyRewritten, DiagnosticSeverity.Info, relativeName, inputPath, $"already rewritten ({marker}); left as it is");
                return Unchanged(alreadyRewritten: true);
            }

            if (symbolProblem is not null)
            {
                this.Add(DiagnosticIds.SymbolsUnreadable, DiagnosticSeverity.Warning, relativeName, inputPath, $"its symbols could not be read ({symbolProblem}); rewritten without them");
            }

            var scanner = new UnredirectableScanner(catalog, assemblyName);
            var rewriter = new CallSiteRewriter(module, catalog, resolution, assemblyName);
            foreach (TypeDefinition type in module.GetTypes())
            {
                scanner.VisitType(type);
                foreach (MethodDefinition method in type.Methods)
                {
                    scanner.VisitMethod(method);
                    rewriter.Visit(method, apply: write);
                }
            }

            this.Diagnostics.AddRange(scanner.Diagnostics);
            this.Diagnostics.AddRange(rewriter.Diagnostics);
            if (rewriter.Rewrites.Count == 0)
            {
                return Unchanged();
            }

            if (!write)
            {
                return new AssemblyRewriteRecord(relativeName, originalSha, originalSha, true, false, rewriter.Rewrites);
            }

            if (readyToRun)
            {
                this.Add(DiagnosticIds.ReadyToRunConverted, DiagnosticSeverity.Info, relativeName, inputPath, "was a ReadyToRun image: written as IL-only (its precompiled code called the original members); it is JIT-compiled at run time");
            }

            byte[]? key = null;
            if (module.Assembly.Name.HasPublicKey)
            {
                if (strongNameKey is null)
                {
                    this.Add(DiagnosticIds.StrongNameNotResigned, DiagnosticSeverity.Warning, relativeName, inputPath, "is strong-named: its identity is kept but its signature is no longer valid (.NET does not check it; pass the .snk to re-sign)");
                    module.Attributes &= ~ModuleAttributes.StrongNameSigned;
                }
                else
                {
                    key = strongNameKey;
                }
            }

            RewriteMarker.Add(module, markerValue);
            WrittenImage image = ModuleWriter.Write(module, outputPath!, key, dropNativeCode: readyToRun);
            AtomicFile.WriteAllBytes(outputPath!, image.Assembly);
            if (image.Pdb is not null)
            {
                AtomicFile.WriteAllBytes(Path.ChangeExtension(outputPath!, ".pdb"), image.Pdb);
            }

            return new AssemblyRewriteRecord(relativeName, originalSha, Sha256(image.Assembly), true, false, rewriter.Rewrites);
        }
    }

    internal static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private void Error(string id, string relativeName, string path, string message) => this.Add(id, DiagnosticSeverity.Error, relativeName, path, message);

    private void Add(string id, DiagnosticSeverity severity, string relativeName, string path, string message) =>
        this.Diagnostics.Add(new RewriteDiagnostic(id, severity, $"{relativeName} {message}", relativeName, null, path));
}

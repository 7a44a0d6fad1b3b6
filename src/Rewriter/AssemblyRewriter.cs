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

    /// <summary>The PDBs written beside rewritten assemblies, as relative names: output files the manifest must pin too.</summary>
    public List<string> WrittenSymbols { get; } = [];

    /// <param name="outputPath">Where the result goes; null when scanning (nothing is written).</param>
    /// <returns>The record, or null when the file was refused (an error diagnostic says why).</returns>
    public AssemblyRewriteRecord? Process(string inputPath, string relativeName, string? outputPath)
    {
        bool write = outputPath is not null;
        byte[] original = File.ReadAllBytes(inputPath);
        string originalSha = Sha256(original);
        AssemblyRewriteRecord Unchanged(bool alreadyRewritten = false)
        {
            if (write && Path.GetFullPath(inputPath) != Path.GetFullPath(outputPath!))
            {
                // The bytes are already in memory: no second read of the file.
                AtomicFile.WriteAllBytes(outputPath!, original);
            }

            return new AssemblyRewriteRecord(relativeName, originalSha, originalSha, false, alreadyRewritten, []);
        }

        ImageKind kind = ImageInspector.Inspect(original, out string? problem);
        switch (kind)
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

        // The no-op second run: an assembly that carries the marker is recognized from its metadata alone, without the
        // full Cecil read (with symbols) that used to come first. When unsure, MarkerPeek says nothing and the full path decides.
        if (MarkerPeek.Find(original) is { } peeked)
        {
            this.Add(DiagnosticIds.AlreadyRewritten, DiagnosticSeverity.Info, relativeName, inputPath, $"already rewritten ({peeked}); left as it is");
            return Unchanged(alreadyRewritten: true);
        }

        bool readyToRun = kind == ImageKind.ReadyToRun;
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

            // Decoding every body with Cecil is most of the engine's cost over a plain read + write. The prefilter reads the
            // raw IL and lets through only bodies that can matter, so an assembly copied unchanged is never decoded in full.
            using BodyPrefilter? prefilter = BodyPrefilter.Create(original, catalog);
            foreach (TypeDefinition type in module.GetTypes())
            {
                scanner.VisitType(type);
                foreach (MethodDefinition method in type.Methods)
                {
                    bool body = method.HasBody && (prefilter?.MayNeedBody(checked((int)method.MetadataToken.RID)) ?? true);
                    scanner.VisitMethod(method, scanBody: body);
                    if (body)
                    {
                        rewriter.Visit(method, apply: write);
                    }
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

            // Bodies the prefilter never sent to Cecil are written back as raw IL, undecoded: deterministic, and the cost
            // of a rewrite stays close to a plain read and write.
            RewriteMarker.Add(module, markerValue);
            WrittenImage image = ModuleWriter.Write(module, outputPath!, key, dropNativeCode: readyToRun);
            AtomicFile.WriteAllBytes(outputPath!, image.Assembly.Span);
            if (image.Pdb is { } pdb)
            {
                AtomicFile.WriteAllBytes(Path.ChangeExtension(outputPath!, ".pdb"), pdb.Span);
                this.WrittenSymbols.Add(Path.ChangeExtension(relativeName, ".pdb"));
            }

            return new AssemblyRewriteRecord(relativeName, originalSha, Sha256(image.Assembly.Span), true, false, rewriter.Rewrites);
        }
    }

    internal static string Sha256(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private void Error(string id, string relativeName, string path, string message) => this.Add(id, DiagnosticSeverity.Error, relativeName, path, message);

    private void Add(string id, DiagnosticSeverity severity, string relativeName, string path, string message) =>
        this.Diagnostics.Add(new RewriteDiagnostic(id, severity, $"{relativeName} {message}", relativeName, null, path));
}

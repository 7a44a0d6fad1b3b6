using System.Reflection;
using PrivSep.Rewriter.Catalog;
using PrivSep.Rewriter.Manifest;
using PrivSep.Rewriter.Model;
using PrivSep.Rewriter.Writing;

namespace PrivSep.Rewriter;

/// <summary>
/// The engine's entry points: rewrite a plugin folder (to an output folder or in place, atomically per file) or scan it
/// without writing. The CLI and the MSBuild task are thin drivers over these.
/// </summary>
public static class FolderRewriter
{
    private static readonly string[] AssemblyExtensions = [".dll", ".exe"];

    /// <summary>The rewriter's version (informational version without source-revision suffix).</summary>
    public static string ToolVersion { get; } = ReadToolVersion();

    public static FolderRewriteResult Rewrite(RewriteOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.InPlace == (options.OutputDirectory is not null))
        {
            throw new ArgumentException("give either an output directory or in-place mode, not both nor neither", nameof(options));
        }

        return Run(options.InputDirectory, options.InPlace ? options.InputDirectory : options.OutputDirectory!, options.ShimAssemblyPath, options.StrongNameKeyPath, options.Progress);
    }

    public static FolderRewriteResult Scan(string inputDirectory, string? shimAssemblyPath = null) =>
        Run(inputDirectory, null, shimAssemblyPath, null, null);

    private static FolderRewriteResult Run(string inputDirectory, string? outputDirectory, string? shimAssemblyPath, string? keyPath, IProgress<string>? progress)
    {
        string input = Path.GetFullPath(inputDirectory);
        if (!Directory.Exists(input))
        {
            throw new DirectoryNotFoundException($"{input}: the plugin folder does not exist.");
        }

        string shimPath = Path.GetFullPath(shimAssemblyPath ?? ShimLocator.DefaultShimPath);
        ShimCatalog catalog;
        try
        {
            catalog = ShimCatalog.Load(shimPath);
        }
        catch (ShimCatalogException ex)
        {
            return new FolderRewriteResult(ToolVersion, string.Empty, [], ex.Diagnostics);
        }

        byte[]? key = keyPath is null ? null : File.ReadAllBytes(keyPath);
        string? output = outputDirectory is null ? null : Path.GetFullPath(outputDirectory);
        SortedDictionary<string, string> shimFiles = ShimDeployment.Closure(shimPath);
        var records = new List<AssemblyRewriteRecord>();
        var diagnostics = new List<RewriteDiagnostic>();
        string marker = $"{ToolVersion}; catalog {catalog.Sha256}";

        using var resolution = new AssemblyResolution(input);
        var rewriter = new AssemblyRewriter(catalog, resolution, key, marker);
        List<string> files = EnumerateFiles(input, output);
        List<string> assemblies = files.Where(IsAssembly).ToList();

        if (output is not null && output != input)
        {
            Directory.CreateDirectory(output);
        }

        // Files that are not assemblies are copied as they are and pinned by the manifest like everything else; native
        // code among them is reported, never copied silently: a plugin that P/Invokes its own library runs it unrewritten.
        var otherFiles = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string file in files.Where(f => !IsAssembly(f)))
        {
            string relative = ToRelativeName(input, file);
            if (NativeImage.Describe(file) is { } native)
            {
                diagnostics.Add(new RewriteDiagnostic(DiagnosticIds.UnreadableAssembly, DiagnosticSeverity.Warning, $"{relative} is {native}: copied unchanged and pinned by the manifest, not rewritten; calls it makes are not redirected and the kernel decides what it may do", relative, null, file));
            }

            if (output is not null)
            {
                AtomicFile.Copy(file, Path.Combine(output, Path.GetRelativePath(input, file)));
                otherFiles.Add(relative);
            }
        }

        bool inputHoldsShimFiles = false;
        for (int i = 0; i < assemblies.Count; i++)
        {
            string file = assemblies[i];
            string relative = ToRelativeName(input, file);
            if (!relative.Contains('/') && shimFiles.ContainsKey(relative))
            {
                diagnostics.Add(new RewriteDiagnostic(DiagnosticIds.ShimDependency, DiagnosticSeverity.Info, $"{relative} belongs to the Shim's run-time closure: replaced by the deployed copy, not rewritten", relative));
                inputHoldsShimFiles = true;
                continue;
            }

            if (assemblies.Count >= 10)
            {
                progress?.Report($"[{i + 1}/{assemblies.Count}] {relative}");
            }

            AssemblyRewriteRecord? record = rewriter.Process(file, relative, output is null ? null : Path.Combine(output, Path.GetRelativePath(input, file)));
            if (record is not null)
            {
                records.Add(record);
            }
        }

        diagnostics.AddRange(rewriter.Diagnostics);
        otherFiles.UnionWith(rewriter.WrittenSymbols);

        // The Shim and what it needs at run time go beside the output, at exactly the version the rewritten code references,
        // whenever rewritten code needs them or the input already carried them (e.g. a package dependency): every
        // assembly in the output must be in the manifest.
        if (inputHoldsShimFiles || records.Any(r => r.Changed || r.AlreadyRewritten))
        {
            foreach ((string name, string source) in shimFiles)
            {
                string sha = AssemblyRewriter.Sha256(File.ReadAllBytes(source));
                if (output is not null)
                {
                    AtomicFile.Copy(source, Path.Combine(output, name));
                }

                records.Add(new AssemblyRewriteRecord(name, sha, sha, false, false, []));
            }

            // A host resolving the plugin through its deps file finds only what the file lists: list what was just placed.
            if (output is not null)
            {
                diagnostics.AddRange(DepsFiles.UpdateAll(output, otherFiles, shimFiles, catalog.ShimModule.Assembly.Name.Version));
            }
        }

        if (output is not null)
        {
            // New files were not flushed one by one (AtomicFile): flush them once, so the output is on disk when the run returns.
            AtomicFile.SyncFileSystem(output);
        }

        records.Sort((a, b) => string.CompareOrdinal(a.FileName, b.FileName));
        return new FolderRewriteResult(ToolVersion, catalog.Sha256, records, diagnostics) { OtherFiles = otherFiles.ToList() };
    }

    private static string ToRelativeName(string input, string file) => Path.GetRelativePath(input, file).Replace(Path.DirectorySeparatorChar, '/');

    private static bool IsAssembly(string path) => AssemblyExtensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase);

    private static List<string> EnumerateFiles(string input, string? output)
    {
        string? outputPrefix = output is null || output == input ? null : output.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        // The input's own manifest and signature (a folder rewritten before) describe the input, not this run's output,
        // which gets new ones.
        string[] inputManifestFiles = [Path.Combine(input, ManifestPaths.ManifestFileName), Path.Combine(input, ManifestPaths.SignatureFileName)];
        return Directory.EnumerateFiles(input, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".privsep-tmp", StringComparison.Ordinal))
            .Where(f => !inputManifestFiles.Contains(f, StringComparer.Ordinal))
            .Where(f => outputPrefix is null || !f.StartsWith(outputPrefix, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    private static string ReadToolVersion()
    {
        string? informational = typeof(FolderRewriter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        return (informational ?? typeof(FolderRewriter).Assembly.GetName().Version?.ToString() ?? "0.0.0").Split('+')[0];
    }
}

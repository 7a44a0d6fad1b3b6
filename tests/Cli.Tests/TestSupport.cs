using System.Security.Cryptography;
using PrivSep.Rewriter.Manifest;
using PrivSep.Rewriter.Model;

namespace PrivSep.Cli.Tests;

/// <summary>A private directory for one test, removed afterwards.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Root = Directory.CreateTempSubdirectory("privsep-cli-").FullName;
    }

    public string Root { get; }

    public string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    public string Write(string relative, byte[] bytes)
    {
        string path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

/// <summary>What one in-process run of the CLI printed and returned.</summary>
internal sealed record CliRun(int ExitCode, string Out, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}\n--- stderr\n{Error}";
}

internal static class Cli
{
    public static async Task<CliRun> RunAsync(IRewriteEngine? engine, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int exitCode = await CliApplication.RunAsync(args, stdout, stderr, engine ?? new FolderRewriterEngine());
        return new CliRun(exitCode, stdout.ToString(), stderr.ToString());
    }

    public static Task<CliRun> RunAsync(params string[] args) => RunAsync(null, args);
}

/// <summary>An engine that "rewrites" by copying a folder and reporting a fixed result: tests the CLI without Cecil.</summary>
internal sealed class CopyingEngine(params RewriteDiagnostic[] diagnostics) : IRewriteEngine
{
    public string ToolVersion => "9.9.9-test";

    public RewriteOptions? LastOptions { get; private set; }

    public FolderRewriteResult Rewrite(RewriteOptions options)
    {
        LastOptions = options;
        string output = options.InPlace ? options.InputDirectory : options.OutputDirectory!;
        var records = new List<AssemblyRewriteRecord>();
        foreach (string file in ManifestPaths.EnumerateAssemblies(options.InputDirectory))
        {
            string source = Path.Combine(options.InputDirectory, file);
            string target = Path.Combine(output, file);
            string sha = ManifestPaths.Sha256OfFile(source);
            if (!options.InPlace)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(source, target, overwrite: true);
            }

            records.Add(new AssemblyRewriteRecord(file, sha, sha, true, false, [new CallSiteRewrite("Plugin.Check.Run()", 12, "Check.cs", 7, 9, "M:System.IO.File.ReadAllText(System.String)", "System.Private.CoreLib", "M:PrivSep.Shim.Replacements.FileShim.ReadAllText(System.String)")]));
        }

        return new FolderRewriteResult(ToolVersion, new string('c', 64), records, diagnostics);
    }

    public FolderRewriteResult Scan(string inputDirectory, string? shimAssemblyPath)
    {
        var records = ManifestPaths.EnumerateAssemblies(inputDirectory)
            .Select(f => new AssemblyRewriteRecord(f, "a", "a", false, false, [new CallSiteRewrite("Plugin.Check.Run()", 3, null, null, null, "M:System.IO.File.ReadAllText(System.String)", "System.Private.CoreLib", "M:PrivSep.Shim.X(System.String)")]))
            .ToList();
        return new FolderRewriteResult(ToolVersion, new string('c', 64), records, diagnostics);
    }
}

/// <summary>
/// A signed folder of fake files, as privsep rewrite would leave it: *.dll and *.exe are listed as assemblies, every other
/// file (native libraries, scripts, data) only in the manifest's file list, and every file is pinned by its hash.
/// </summary>
internal static class SignedFolder
{
    public static ECDsa NewKey() => ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public static RewriteManifest Create(string directory, ECDsa key, params string[] files)
    {
        var records = new List<AssemblyRewriteRecord>();
        var otherFiles = new List<string>();
        foreach (string file in files)
        {
            string path = Path.Combine(directory, file);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, RandomNumberGenerator.GetBytes(256));
            string sha = ManifestPaths.Sha256OfFile(path);
            if (ManifestPaths.IsAssemblyFileName(file))
            {
                records.Add(new AssemblyRewriteRecord(file, sha, sha, false, false, []));
            }
            else
            {
                otherFiles.Add(file);
            }
        }

        var result = new FolderRewriteResult("1.0.0", new string('0', 64), records, []) { OtherFiles = otherFiles };
        var manifest = FolderFiles.Pin(RewriteManifest.From(result), directory, result.OtherFiles);
        ManifestSigner.Write(directory, manifest, key);
        return manifest;
    }
}

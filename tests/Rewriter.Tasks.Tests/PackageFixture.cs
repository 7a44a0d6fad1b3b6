namespace PrivSep.Rewriter.Tasks.Tests;

/// <summary>
/// The packages nuget/pack.sh makes, packed once for the test class into a private folder with a version of their own
/// (the machine's NuGet cache keeps a package per version for good, so a fixed version could serve an old build), and
/// the privsep CLI built on the way. Restores use the machine's cache for everything else.
/// </summary>
internal sealed class PackageFixture : IDisposable
{
    private PackageFixture(string root, string version)
    {
        Root = root;
        Version = version;
    }

    public string Root { get; }

    public string Version { get; }

    public string PackageFolder => Path.Combine(Root, "packages");

    public string PrivSepDll => Path.Combine(Root, "artifacts", "bin", "PrivSep.Cli", "release", "privsep.dll");

    public static PackageFixture Create()
    {
        string root = Directory.CreateTempSubdirectory("privsep-tasks-").FullName;
        string version = $"0.1.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
        var fixture = new PackageFixture(root, version);
        ProcessResult pack = ProcessRunner.Run(
            "bash",
            [Path.Combine(ProcessRunner.RepositoryRoot, "nuget", "pack.sh"), fixture.PackageFolder, $"-p:ArtifactsPath={Path.Combine(root, "artifacts")}", $"-p:Version={version}", "--disable-build-servers", "-p:UseSharedCompilation=false"],
            ProcessRunner.RepositoryRoot,
            TimeSpan.FromMinutes(6));
        if (pack.ExitCode != 0)
        {
            Directory.Delete(root, recursive: true);
            Assert.Fail($"nuget/pack.sh failed: {pack}");
        }

        return fixture;
    }

    /// <summary>A copy of samples/SamplePlugin whose NuGet.config points at this fixture's packages, with a fresh signing key.</summary>
    public string CopySample(string name)
    {
        string source = Path.Combine(ProcessRunner.RepositoryRoot, "samples", "SamplePlugin");
        string target = Path.Combine(Root, name);
        foreach (string file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(source, file);
            if (relative.StartsWith("bin" + Path.DirectorySeparatorChar, StringComparison.Ordinal)
                || relative.StartsWith("obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal)
                || relative.EndsWith(".pem", StringComparison.Ordinal))
            {
                continue;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(target, relative))!);
            File.Copy(file, Path.Combine(target, relative));
        }

        File.WriteAllText(Path.Combine(target, "NuGet.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="privsep-test" value="{PackageFolder}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
            </configuration>
            """);
        ProcessResult keygen = ProcessRunner.Run("dotnet", [PrivSepDll, "keygen", "--out", Path.Combine(target, "plugin-signing.pem")], target, TimeSpan.FromMinutes(1));
        Assert.AreEqual(0, keygen.ExitCode, keygen.ToString());
        return target;
    }

    public void Dispose()
    {
        // Only this run's package versions leave the machine's cache; everything else stays for the next restore.
        string cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (string id in new[] { "privsep.build", "privsep.shim", "privsep.protocol" })
        {
            string folder = Path.Combine(cache, id, Version);
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }

            string idFolder = Path.GetDirectoryName(folder)!;
            if (Directory.Exists(idFolder) && !Directory.EnumerateFileSystemEntries(idFolder).Any())
            {
                Directory.Delete(idFolder);
            }
        }

        Directory.Delete(Root, recursive: true);
    }
}

using System.Reflection.PortableExecutable;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace PrivSep.Rewriter.Tests.Infrastructure;

/// <summary>
/// Builds a real ReadyToRun (crossgen2) class library with <c>dotnet publish -p:PublishReadyToRun=true</c>. Roslyn cannot
/// emit native code, so this is the only honest way to get an R2R image. The publish needs the
/// Microsoft.NETCore.App.Crossgen2 package (restored from NuGet into the global packages folder on first use), so its
/// result is cached in the temp folder, keyed by the sources, the runtime version and the SDK's answer: a repeated run
/// costs nothing.
/// </summary>
internal static class ReadyToRunPublisher
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Publishes <paramref name="source"/> as <paramref name="assemblyName"/> for linux-x64 ReadyToRun; returns the folder with its .dll and .pdb.</summary>
    public static string Publish(string assemblyName, string source)
    {
        string project = $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net{Environment.Version.Major}.{Environment.Version.Minor}</TargetFramework>
                <OutputType>Library</OutputType>
                <AssemblyName>{assemblyName}</AssemblyName>
                <Nullable>disable</Nullable>
                <ImplicitUsings>disable</ImplicitUsings>
                <DebugType>portable</DebugType>
                <Deterministic>true</Deterministic>
              </PropertyGroup>
            </Project>
            """;
        string key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{project}\n{source}\n{RuntimeInformation.FrameworkDescription}\n{RuntimeInformation.RuntimeIdentifier}")))[..16];
        string cache = Path.Combine(Path.GetTempPath(), "privsep-r2r-cache", key);
        string dll = Path.Combine(cache, assemblyName + ".dll");
        if (File.Exists(dll) && IsReadyToRun(dll))
        {
            return cache;
        }

        string work = DotnetBuild.CreateIsolatedProject("privsep-r2r-build", assemblyName, project, source);
        string publish = Path.Combine(work, "publish");
        (int exitCode, string log) = DotnetBuild.Run(work, PublishTimeout, "publish", "-c", "Release", "-r", "linux-x64", "--self-contained", "false", "-p:PublishReadyToRun=true", "-o", publish, "--nologo");
        string published = Path.Combine(publish, assemblyName + ".dll");
        if (exitCode != 0 || !File.Exists(published))
        {
            throw new InvalidOperationException(
                $"`dotnet publish -p:PublishReadyToRun=true` of a one-class library failed (exit {exitCode}). It needs the Microsoft.NETCore.App.Crossgen2.linux-x64 "
                + $"package for runtime {Environment.Version}: in the global packages folder already, or restorable from the NuGet feed (check network access "
                + $"and `dotnet nuget locals global-packages --list`). Build folder: {work}. Last output:{Environment.NewLine}{DotnetBuild.Tail(log)}");
        }

        // Publish into a private folder, then move it into place: concurrent test runs never see half a cache entry.
        string staging = cache + "." + Guid.NewGuid().ToString("N");
        Directory.CreateDirectory(staging);
        foreach (string file in Directory.EnumerateFiles(publish).Where(f => Path.GetFileNameWithoutExtension(f) == assemblyName))
        {
            File.Copy(file, Path.Combine(staging, Path.GetFileName(file)));
        }

        try
        {
            if (Directory.Exists(cache))
            {
                Directory.Delete(cache, recursive: true);
            }

            Directory.Move(staging, cache);
        }
        catch (IOException) when (File.Exists(dll))
        {
            Directory.Delete(staging, recursive: true); // another run won the race: its copy is as good as ours
        }

        Directory.Delete(work, recursive: true); // kept only when publish failed: the message names it
        return cache;
    }

    /// <summary>What the loader and the engine look at: a managed native header (READYTORUN_HEADER) and the ILLibrary flag.</summary>
    public static bool IsReadyToRun(string path)
    {
        using var reader = new PEReader(File.OpenRead(path));
        CorHeader? cor = reader.PEHeaders.CorHeader;
        return cor is not null && cor.ManagedNativeHeaderDirectory.Size > 0 && ((int)cor.Flags & 0x4) != 0;
    }
}

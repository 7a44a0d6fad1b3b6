namespace PrivSep.Rewriter.Tests.Infrastructure;

/// <summary>
/// A plugin built the documented way (<c>EnableDynamicLoading</c>, <c>dotnet build</c>): its output folder holds the
/// SDK's own <c>&lt;name&gt;.deps.json</c>, which <see cref="System.Runtime.Loader.AssemblyDependencyResolver"/> reads.
/// </summary>
internal static class PluginProject
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Builds <paramref name="source"/> as <paramref name="assemblyName"/> into <paramref name="outputDirectory"/>.</summary>
    public static void Build(string outputDirectory, string assemblyName, string source)
    {
        string project = $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net{Environment.Version.Major}.{Environment.Version.Minor}</TargetFramework>
                <AssemblyName>{assemblyName}</AssemblyName>
                <EnableDynamicLoading>true</EnableDynamicLoading>
                <Nullable>disable</Nullable>
                <ImplicitUsings>disable</ImplicitUsings>
              </PropertyGroup>
            </Project>
            """;
        string work = DotnetBuild.CreateIsolatedProject("privsep-plugin-build", assemblyName, project, source);
        (int exitCode, string log) = DotnetBuild.Run(work, BuildTimeout, "build", "-c", "Release", "-o", outputDirectory, "--nologo");
        if (exitCode != 0 || !File.Exists(Path.Combine(outputDirectory, assemblyName + ".deps.json")))
        {
            throw new InvalidOperationException($"`dotnet build` of a one-class plugin failed (exit {exitCode}). Build folder: {work}. Last output:{Environment.NewLine}{DotnetBuild.Tail(log)}");
        }

        Directory.Delete(work, recursive: true); // kept only when the build failed: the message names it
    }
}

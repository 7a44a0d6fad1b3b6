using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace PrivSep.Rewriter.Tasks.Tests;

/// <summary>
/// PrivSep.Build as a plugin author uses it: the packages are packed into a local folder, samples/SamplePlugin references
/// PrivSep.Build from there (a PackageReference, not a project reference), and dotnet build / publish run as in CI.
/// </summary>
[TestClass]
public sealed class BuildIntegrationTests
{
    private static PackageFixture? packages;

    private static PackageFixture Packages => packages ?? throw new InvalidOperationException("the class setup did not pack the packages");

    [ClassInitialize]
    public static void PackPackages(TestContext context) => packages = PackageFixture.Create();

    [ClassCleanup]
    public static void RemovePackages() => packages?.Dispose();

    [TestMethod]
    [Timeout(240_000, CooperativeCancellation = true)]
    public void BuildAndPublishRewriteSignAndLeaveUnchangedOutputAlone()
    {
        string project = Packages.CopySample("rewrite");
        string output = Path.Combine(project, "bin", "Debug", "net10.0");
        // A native library the plugin ships, copied to the output by the build: it must be pinned like the assemblies.
        Directory.CreateDirectory(Path.Combine(project, "native"));
        File.WriteAllBytes(Path.Combine(project, "native", "libnative.so"), [0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0]);
        string csproj = Path.Combine(project, "SamplePlugin.csproj");
        File.WriteAllText(csproj, File.ReadAllText(csproj).Replace("</Project>", """
              <ItemGroup>
                <None Include="native/libnative.so" CopyToOutputDirectory="PreserveNewest" CopyToPublishDirectory="PreserveNewest" />
              </ItemGroup>
            </Project>
            """));

        ProcessResult build = Build(project);
        Assert.AreEqual(0, build.ExitCode, build.ToString());
        AssertRewritten(Path.Combine(output, "SamplePlugin.dll"));
        StringAssert.Contains(build.Output, "warning PS1008", build.ToString());
        AssertVerifies(project, output);

        Dictionary<string, DateTime> before = Timestamps(output);
        ProcessResult again = Build(project);
        Assert.AreEqual(0, again.ExitCode, again.ToString());
        CollectionAssert.AreEquivalent(before.ToList(), Timestamps(output).ToList(), "a build with no changed input must leave the output folder as it was");

        string publish = Path.Combine(project, "bin", "Release", "net10.0", "publish");
        ProcessResult published = Publish(project);
        Assert.AreEqual(0, published.ExitCode, published.ToString());
        AssertRewritten(Path.Combine(publish, "SamplePlugin.dll"));
        AssertVerifies(project, publish);

        Dictionary<string, DateTime> publishedBefore = Timestamps(publish);
        ProcessResult republished = Publish(project);
        Assert.AreEqual(0, republished.ExitCode, republished.ToString());
        CollectionAssert.AreEquivalent(publishedBefore.ToList(), Timestamps(publish).ToList(), "a publish with no changed input must leave the publish folder as it was");

        File.AppendAllText(Path.Combine(publish, "native", "libnative.so"), "tampered");
        ProcessResult tampered = Verify(project, publish);
        Assert.AreEqual(1, tampered.ExitCode, tampered.ToString());
        StringAssert.Contains(tampered.Output, "native/libnative.so: SHA-256", tampered.ToString());
    }

    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public void ProjectWithoutOptInIsUntouched()
    {
        string project = Packages.CopySample("plain");
        ProcessResult build = Build(project, "-p:PrivSepRewrite=false");
        Assert.AreEqual(0, build.ExitCode, build.ToString());

        string output = Path.Combine(project, "bin", "Debug", "net10.0");
        Assert.IsFalse(File.Exists(Path.Combine(output, "privsep.manifest.json")), "no manifest without the opt-in");
        Assert.IsFalse(Directory.Exists(Path.Combine(project, "obj", "Debug", "net10.0", "privsep")), "nothing staged without the opt-in");
        CollectionAssert.AreEqual(
            File.ReadAllBytes(Path.Combine(project, "obj", "Debug", "net10.0", "SamplePlugin.dll")),
            File.ReadAllBytes(Path.Combine(output, "SamplePlugin.dll")),
            "the output assembly must be exactly what the compiler produced");
        Assert.IsFalse(ReferencesShim(Path.Combine(output, "SamplePlugin.dll")));
    }

    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public void FailingRewriteFailsTheBuildAtTheSourceLine()
    {
        string project = Packages.CopySample("failing");
        File.WriteAllText(Path.Combine(project, "RogueStream.cs"), """
            namespace SamplePlugin;

            public sealed class RogueStream : FileStream
            {
                public RogueStream(string path)
                    : base(path, FileMode.Open)
                {
                }
            }
            """);

        ProcessResult build = Build(project);

        Assert.AreNotEqual(0, build.ExitCode, build.ToString());
        StringAssert.Contains(build.Output, "RogueStream.cs(6,11): error PS1005: type SamplePlugin.RogueStream derives from System.IO.FileStream", build.ToString());
        Assert.IsFalse(File.Exists(Path.Combine(project, "obj", "Debug", "net10.0", "privsep", "build.stamp")), "a failed rewrite must run again on the next build");
    }

    private static ProcessResult Build(string project, params string[] extra) =>
        ProcessRunner.Dotnet(project, ["build", $"-p:PrivSepBuildVersion={Packages.Version}", .. extra]);

    private static ProcessResult Publish(string project) =>
        ProcessRunner.Dotnet(project, "publish", $"-p:PrivSepBuildVersion={Packages.Version}");

    private static void AssertVerifies(string project, string folder)
    {
        ProcessResult verify = Verify(project, folder);
        Assert.AreEqual(0, verify.ExitCode, verify.ToString());
    }

    private static ProcessResult Verify(string project, string folder) =>
        ProcessRunner.Run("dotnet", [Packages.PrivSepDll, "verify", folder, "--public-key", Path.Combine(project, "plugin-signing.pub.pem")], project, TimeSpan.FromMinutes(1));

    private static void AssertRewritten(string assembly)
    {
        Assert.IsTrue(ReferencesShim(assembly), $"{assembly} does not reference PrivSep.Shim");
        using var pe = new PEReader(File.OpenRead(assembly));
        MetadataReader reader = pe.GetMetadataReader();
        bool marked = reader.GetAssemblyDefinition().GetCustomAttributes()
            .Select(h => reader.GetCustomAttribute(h))
            .Any(a => BlobContains(reader, a, "PrivSep.Rewritten"));
        Assert.IsTrue(marked, $"{assembly} lacks the PrivSep.Rewritten assembly metadata marker");
    }

    private static bool BlobContains(MetadataReader reader, CustomAttribute attribute, string text)
    {
        byte[] value = reader.GetBlobBytes(attribute.Value);
        return System.Text.Encoding.UTF8.GetString(value).Contains(text, StringComparison.Ordinal);
    }

    private static bool ReferencesShim(string assembly)
    {
        using var pe = new PEReader(File.OpenRead(assembly));
        MetadataReader reader = pe.GetMetadataReader();
        return reader.AssemblyReferences.Any(h => reader.GetString(reader.GetAssemblyReference(h).Name) == "PrivSep.Shim");
    }

    private static Dictionary<string, DateTime> Timestamps(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(folder, f), File.GetLastWriteTimeUtc);
}

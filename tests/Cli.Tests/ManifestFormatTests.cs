using System.Text;
using PrivSep.Rewriter.Manifest;
using PrivSep.Rewriter.Model;

namespace PrivSep.Cli.Tests;

/// <summary>The manifest's JSON: camelCase, stable order, round trip, strict reading.</summary>
[TestClass]
public sealed class ManifestFormatTests
{
    private static readonly FolderRewriteResult Result = new(
        "1.2.3",
        new string('a', 64),
        [
            new AssemblyRewriteRecord("Plugins/PingCheck.dll", new string('1', 64), new string('2', 64), true, false,
                [new CallSiteRewrite("PingCheck.Run()", 17, "/src/PingCheck.cs", 12, 5, "M:System.Net.NetworkInformation.Ping.Send(System.String)", "System.Net.Ping", "M:PrivSep.Shim.PingShim.Send(System.Net.NetworkInformation.Ping,System.String)")]),
        ],
        [new RewriteDiagnostic("PS1001", DiagnosticSeverity.Warning, "reflection over File", "PingCheck.dll", "PingCheck.Run()", "/src/PingCheck.cs", 20, 3)]);

    [TestMethod]
    public void RoundTripKeepsEveryField()
    {
        var manifest = RewriteManifest.From(Result, new DateTime(2025, 1, 2, 3, 4, 5, DateTimeKind.Utc)) with { Runtime = [new ManifestRuntimeFile("PrivSep.Shim.dll", new string('f', 64))] };

        byte[] bytes = ManifestJson.Serialize(manifest);
        var read = ManifestJson.Parse(bytes, "m.json");

        CollectionAssert.AreEqual(bytes, ManifestJson.Serialize(read));
        Assert.AreEqual("1.2.3", read.ToolVersion);
        Assert.AreEqual(new DateTime(2025, 1, 2, 3, 4, 5, DateTimeKind.Utc), read.CreatedUtc);
        var rewrite = read.Assemblies[0].Rewrites[0];
        Assert.AreEqual(17, rewrite.IlOffset);
        Assert.AreEqual("System.Net.Ping", rewrite.OriginalAssembly);
        Assert.AreEqual("warning", read.Diagnostics[0].Severity);
        Assert.AreEqual("PrivSep.Shim.dll", read.Runtime[0].File);
    }

    [TestMethod]
    public void PropertiesAreCamelCaseInDeclarationOrder()
    {
        string json = Encoding.UTF8.GetString(ManifestJson.Serialize(RewriteManifest.From(Result)));

        string[] order = ["\"formatVersion\": 2", "\"toolVersion\"", "\"catalogSha256\"", "\"createdUtc\"", "\"assemblies\"", "\"file\": \"Plugins/PingCheck.dll\"", "\"originalSha256\"", "\"rewrittenSha256\"", "\"changed\"", "\"alreadyRewritten\"", "\"rewrites\"", "\"method\"", "\"ilOffset\": 17", "\"sourceFile\"", "\"line\"", "\"column\"", "\"originalMember\"", "\"originalAssembly\"", "\"replacement\"", "\"runtime\"", "\"files\"", "\"diagnostics\"", "\"id\": \"PS1001\"", "\"severity\": \"warning\""];
        int at = 0;
        foreach (string part in order)
        {
            int found = json.IndexOf(part, at, StringComparison.Ordinal);
            Assert.IsGreaterThanOrEqualTo(0, found, $"{part} missing or out of order in\n{json}");
            at = found;
        }

        Assert.EndsWith("}\n", json);
    }

    [TestMethod]
    public void UnknownPropertyIsRefused()
    {
        string json = Encoding.UTF8.GetString(ManifestJson.Serialize(RewriteManifest.From(Result))).Replace("\"formatVersion\": 2,", "\"formatVersion\": 2, \"trustMe\": true,");

        var error = Assert.ThrowsExactly<ManifestException>(() => ManifestJson.Parse(Encoding.UTF8.GetBytes(json), "m.json"));
        StringAssert.Contains(error.Message, "m.json(");
    }

    [TestMethod]
    public void UnknownFormatVersionIsRefused()
    {
        string json = Encoding.UTF8.GetString(ManifestJson.Serialize(RewriteManifest.From(Result))).Replace("\"formatVersion\": 2,", "\"formatVersion\": 3,");

        var error = Assert.ThrowsExactly<ManifestException>(() => ManifestJson.Parse(Encoding.UTF8.GetBytes(json), "m.json"));
        StringAssert.Contains(error.Message, "format version 3 is not supported");
    }

    [TestMethod]
    public void RuntimeFilesAreTheShimClosureAndLeaveTheAssemblyList()
    {
        using var dir = new TempDirectory();
        foreach (string name in new[] { "PrivSep.Shim.dll", "PrivSep.Protocol.dll", "StreamJsonRpc.dll" })
        {
            File.Copy(Path.Combine(AppContext.BaseDirectory, name), dir.PathOf(name));
        }

        dir.Write("Plugin.dll", [1, 2, 3]);
        var records = new[] { "Plugin.dll", "PrivSep.Shim.dll", "PrivSep.Protocol.dll", "StreamJsonRpc.dll" }
            .Select(f => new AssemblyRewriteRecord(f, "x", ManifestPaths.Sha256OfFile(dir.PathOf(f)), false, false, [])).ToList();

        var manifest = RuntimeFiles.Pin(RewriteManifest.From(new FolderRewriteResult("1", "c", records, [])), dir.Root);

        CollectionAssert.AreEqual(new[] { "Plugin.dll" }, manifest.Assemblies.Select(a => a.File).ToArray());
        CollectionAssert.AreEqual(new[] { "PrivSep.Protocol.dll", "PrivSep.Shim.dll", "StreamJsonRpc.dll" }, manifest.Runtime.Select(r => r.File).ToArray());
        Assert.AreEqual(ManifestPaths.Sha256OfFile(dir.PathOf("StreamJsonRpc.dll")), manifest.Runtime[2].Sha256);
    }
}

using System.Reflection;
using System.Runtime.Loader;
using System.Text.Json.Nodes;
using PrivSep.Rewriter.Manifest;
using PrivSep.Rewriter.Model;
using PrivSep.Rewriter.Tests.Infrastructure;
using PrivSep.Rewriter.Writing;

namespace PrivSep.Rewriter.Tests;

/// <summary>
/// A plugin built by the SDK carries a <c>.deps.json</c>; a host that loads it the documented way (an
/// <see cref="AssemblyDependencyResolver"/> in its own <see cref="AssemblyLoadContext"/>) resolves only what that file
/// lists, so the rewrite must list the Shim and its run-time files there.
/// </summary>
[TestClass]
public sealed class DepsFileTests
{
    private const string PluginName = "ResolvedPlugin";
    private const string DepsFileName = PluginName + ".deps.json";

    private const string Source = """
        namespace Plugin
        {
            public static class Reader
            {
                public static string Read(string path) => System.IO.File.ReadAllText(path);
            }

            public static class Quiet
            {
                public static int Twice(int x) => x * 2;
            }
        }
        """;

    private static TempFolder temp = null!;
    private static string built = null!;

    [ClassInitialize]
    public static void BuildThePlugin(TestContext context)
    {
        temp = new TempFolder();
        built = temp.Sub("built");
        PluginProject.Build(built, PluginName, Source);
    }

    [ClassCleanup]
    public static void RemoveThePlugin() => temp?.Dispose();

    [TestMethod]
    public void A_rewritten_plugin_loaded_through_AssemblyDependencyResolver_runs_on_the_Shim_placed_beside_it()
    {
        string output = Path.Combine(temp.Path, "resolver-out");
        FolderRewriteResult result = FolderRewriter.Rewrite(new RewriteOptions(built, output));
        Assert.IsFalse(result.HasErrors, string.Join("\n", result.Diagnostics));
        string data = Path.Combine(temp.Path, "data.txt");
        File.WriteAllText(data, "read through the Shim");

        var context = new ResolvingContext(Path.Combine(output, PluginName + ".dll"));
        try
        {
            Assembly plugin = context.LoadFromAssemblyPath(Path.Combine(output, PluginName + ".dll"));
            object? text = plugin.GetType("Plugin.Reader", throwOnError: true)!.GetMethod("Read")!.Invoke(null, [data]);

            Assert.AreEqual("read through the Shim", text);
            Assembly shim = context.Assemblies.SingleOrDefault(a => a.GetName().Name == "PrivSep.Shim")
                ?? throw new AssertFailedException("the plugin's context did not load PrivSep.Shim itself: the resolver did not find it, so a host without a Shim of its own fails with 'Could not load file or assembly PrivSep.Shim'");
            Assert.AreEqual(Path.Combine(output, "PrivSep.Shim.dll"), shim.Location);
            foreach (string runtimeFile in RuntimeFiles.Find(output))
            {
                string? resolved = context.Resolver.ResolveAssemblyToPath(new AssemblyName(Path.GetFileNameWithoutExtension(runtimeFile)));
                Assert.AreEqual(Path.Combine(output, runtimeFile), resolved, $"{runtimeFile} resolves beside the plugin");
            }
        }
        finally
        {
            context.Unload();
        }
    }

    [TestMethod]
    public void The_deps_file_gains_one_library_for_the_runtime_files_keeps_everything_else_and_is_pinned_by_the_manifest()
    {
        string output = Path.Combine(temp.Path, "entries-out");
        JsonObject original = ReadDeps(built);

        FolderRewriteResult result = FolderRewriter.Rewrite(new RewriteOptions(built, output));
        JsonObject updated = ReadDeps(output);

        string[] runtimeFiles = RuntimeFiles.Find(output).ToArray();
        Assert.IsGreaterThan(1, runtimeFiles.Length, "the Shim and its dependencies were placed");
        foreach ((string name, JsonNode? value) in original)
        {
            if (name is not ("targets" or "libraries"))
            {
                Assert.IsTrue(JsonNode.DeepEquals(value, updated[name]), $"{name} is unchanged");
            }
        }

        foreach (string section in new[] { "libraries" }.Concat(original["targets"]!.AsObject().Select(t => "targets/" + t.Key)))
        {
            JsonObject before = Section(original, section);
            JsonObject after = Section(updated, section);
            foreach ((string library, JsonNode? entry) in before)
            {
                Assert.IsTrue(JsonNode.DeepEquals(entry, after[library]), $"{section}/{library} is unchanged");
            }

            string added = after.Select(p => p.Key).Except(before.Select(p => p.Key)).Single();
            StringAssert.StartsWith(added, "PrivSep.Shim.Runtime/", section);
            if (section != "libraries")
            {
                CollectionAssert.AreEquivalent(runtimeFiles, after[added]!["runtime"]!.AsObject().Select(p => p.Key).ToArray(), $"{section}: every runtime file is a runtime asset");
            }
            else
            {
                Assert.AreEqual("project", after[added]!["type"]!.GetValue<string>());
            }
        }

        CollectionAssert.Contains(result.OtherFiles.ToArray(), DepsFileName);
        RewriteManifest manifest = FolderFiles.Pin(RuntimeFiles.Pin(RewriteManifest.From(result), output), output, result.OtherFiles);
        Assert.AreEqual(ManifestPaths.Sha256OfFile(Path.Combine(output, DepsFileName)), manifest.Files.Single(f => f.File == DepsFileName).Sha256, "the manifest pins the updated file");
    }

    [TestMethod]
    public void Rewriting_the_output_again_or_in_place_leaves_the_deps_file_byte_for_byte()
    {
        string first = Path.Combine(temp.Path, "again-1");
        string second = Path.Combine(temp.Path, "again-2");
        FolderRewriter.Rewrite(new RewriteOptions(built, first));
        string inPlace = CopyOf(first, "again-in-place");

        FolderRewriter.Rewrite(new RewriteOptions(first, second));
        FolderRewriter.Rewrite(new RewriteOptions(inPlace, null, InPlace: true));

        byte[] once = File.ReadAllBytes(Path.Combine(first, DepsFileName));
        CollectionAssert.AreEqual(once, File.ReadAllBytes(Path.Combine(second, DepsFileName)), "rewriting the output again");
        CollectionAssert.AreEqual(once, File.ReadAllBytes(Path.Combine(inPlace, DepsFileName)), "rewriting the output in place");
    }

    [TestMethod]
    public void A_plugin_with_nothing_to_rewrite_keeps_its_deps_file_and_a_malformed_one_is_reported_and_copied_as_it_is()
    {
        string quiet = temp.Sub("quiet-in");
        string quietOut = Path.Combine(temp.Path, "quiet-out");
        PluginCompiler.Compile(quiet, "Quiet", Sources.Untouched);
        File.Copy(Path.Combine(built, DepsFileName), Path.Combine(quiet, "Quiet.deps.json"));
        FolderRewriter.Rewrite(new RewriteOptions(quiet, quietOut));
        CollectionAssert.AreEqual(File.ReadAllBytes(Path.Combine(quiet, "Quiet.deps.json")), File.ReadAllBytes(Path.Combine(quietOut, "Quiet.deps.json")), "no Shim placed, nothing to list");

        string broken = CopyOf(built, "broken-in");
        File.WriteAllText(Path.Combine(broken, DepsFileName), "{ \"targets\": ");
        string brokenOut = Path.Combine(temp.Path, "broken-out");
        FolderRewriteResult result = FolderRewriter.Rewrite(new RewriteOptions(broken, brokenOut));

        RewriteDiagnostic warning = result.Diagnostics.Single(d => d.Id == DiagnosticIds.DepsFileNotUpdated);
        Assert.AreEqual(DiagnosticSeverity.Warning, warning.Severity);
        StringAssert.Contains(warning.Message, DepsFileName);
        Assert.AreEqual("{ \"targets\": ", File.ReadAllText(Path.Combine(brokenOut, DepsFileName)));
    }

    [TestMethod]
    public void A_deps_file_in_a_subfolder_where_no_Shim_is_placed_is_reported_and_copied_as_it_is()
    {
        string input = CopyOf(built, "nested-in");
        Directory.CreateDirectory(Path.Combine(input, "sub"));
        File.Copy(Path.Combine(built, DepsFileName), Path.Combine(input, "sub", "Nested.deps.json"));
        string output = Path.Combine(temp.Path, "nested-out");

        FolderRewriteResult result = FolderRewriter.Rewrite(new RewriteOptions(input, output));

        RewriteDiagnostic warning = result.Diagnostics.Single(d => d.Id == DiagnosticIds.DepsFileNotUpdated);
        StringAssert.Contains(warning.Message, "sub/Nested.deps.json");
        StringAssert.Contains(warning.Message, "not at the top level");
        CollectionAssert.AreEqual(File.ReadAllBytes(Path.Combine(built, DepsFileName)), File.ReadAllBytes(Path.Combine(output, "sub", "Nested.deps.json")));
        StringAssert.Contains(File.ReadAllText(Path.Combine(output, DepsFileName)), DepsFiles.LibraryName, "the top-level one is updated");
    }

    private static JsonObject ReadDeps(string folder) => JsonNode.Parse(File.ReadAllText(Path.Combine(folder, DepsFileName)))!.AsObject();

    private static JsonObject Section(JsonObject deps, string section) =>
        section == "libraries" ? deps["libraries"]!.AsObject() : deps["targets"]![section["targets/".Length..]]!.AsObject();

    private static string CopyOf(string folder, string name)
    {
        string copy = temp.Sub(name);
        foreach (string file in Directory.EnumerateFiles(folder))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }

        return copy;
    }

    /// <summary>The documented plugin host: the resolver first, the default context for what it does not know.</summary>
    private sealed class ResolvingContext(string pluginPath) : AssemblyLoadContext("deps-resolving-" + Guid.NewGuid().ToString("N"), isCollectible: true)
    {
        public AssemblyDependencyResolver Resolver { get; } = new(pluginPath);

        protected override Assembly? Load(AssemblyName assemblyName) =>
            this.Resolver.ResolveAssemblyToPath(assemblyName) is { } path ? this.LoadFromAssemblyPath(path) : null;
    }
}

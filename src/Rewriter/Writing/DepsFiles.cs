using System.Diagnostics;
using System.Reflection;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using PrivSep.Rewriter.Model;

namespace PrivSep.Rewriter.Writing;

/// <summary>
/// Lists the Shim's run-time closure in the output's <c>*.deps.json</c> files. A host that loads plugins the documented
/// way (<see cref="System.Runtime.Loader.AssemblyDependencyResolver"/>) resolves only the assemblies a plugin's deps file
/// names, so without this the rewritten plugin fails with "Could not load file or assembly 'PrivSep.Shim'". The files
/// get one project library, <c>PrivSep.Shim.Runtime/&lt;version&gt;</c>, whose runtime assets are the deployed files, in
/// every target; everything else in the file is kept as it was. A library of that name from an earlier rewrite is
/// replaced, so rewriting the output again gives the same bytes.
/// </summary>
internal static class DepsFiles
{
    internal const string LibraryName = "PrivSep.Shim.Runtime";

    private const string Suffix = ".deps.json";

    private static readonly JsonSerializerOptions WriteOptions = new()
    {
        WriteIndented = true,

        // As the SDK writes them: paths and names stay readable ('+' of a version, non-ASCII folder names).
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>
    /// Updates every deps file among <paramref name="writtenFiles"/> (manifest paths of files the run placed in
    /// <paramref name="outputDirectory"/>) to list <paramref name="runtimeFiles"/> (file name → deployed source);
    /// returns a warning for each one it could not update. <paramref name="shimVersion"/> versions the library.
    /// </summary>
    public static IReadOnlyList<RewriteDiagnostic> UpdateAll(string outputDirectory, IEnumerable<string> writtenFiles, IReadOnlyDictionary<string, string> runtimeFiles, Version shimVersion)
    {
        var diagnostics = new List<RewriteDiagnostic>();
        JsonObject? assets = null;
        string version = shimVersion.ToString(3);
        foreach (string file in writtenFiles.Where(f => f.EndsWith(Suffix, StringComparison.OrdinalIgnoreCase)))
        {
            if (file.Contains('/'))
            {
                diagnostics.Add(Warning(file, "it is not at the top level of the folder, where the Shim and its run-time files are placed; a host resolving this plugin through it will not find PrivSep.Shim. Rewrite the plugin's own folder instead"));
                continue;
            }

            string path = Path.Combine(outputDirectory, file);
            string text = File.ReadAllText(path);
            assets ??= RuntimeAssets(runtimeFiles);
            string updated;
            try
            {
                updated = Update(text, assets, version);
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                diagnostics.Add(Warning(file, $"it is not a deps file this tool understands ({e.Message}); it was copied unchanged, so a host that resolves the plugin through it will not find PrivSep.Shim. Fix or remove it and rewrite again"));
                continue;
            }

            if (updated != text)
            {
                AtomicFile.WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(updated));
            }
        }

        return diagnostics;
    }

    /// <summary>The deps file's text with the runtime library (re)placed in every target and in the library list.</summary>
    /// <exception cref="JsonException">The text is not JSON.</exception>
    /// <exception cref="InvalidOperationException">The JSON does not have the shape of a deps file.</exception>
    internal static string Update(string text, JsonObject runtimeAssets, string version)
    {
        JsonObject root = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip })?.AsObject()
            ?? throw new InvalidOperationException("the file holds null");
        JsonObject targets = root["targets"]?.AsObject() ?? throw new InvalidOperationException("it has no \"targets\" object");
        if (root["libraries"] is null)
        {
            root["libraries"] = new JsonObject();
        }

        JsonObject libraries = root["libraries"]!.AsObject();
        string key = $"{LibraryName}/{version}";
        foreach ((string _, JsonNode? target) in targets.ToList())
        {
            JsonObject libraryEntries = target?.AsObject() ?? throw new InvalidOperationException("a target is not an object");
            RemoveEarlier(libraryEntries);
            libraryEntries[key] = new JsonObject { ["runtime"] = runtimeAssets.DeepClone() };
        }

        RemoveEarlier(libraries);
        libraries[key] = new JsonObject { ["type"] = "project", ["serviceable"] = false, ["sha512"] = string.Empty };
        string written = root.ToJsonString(WriteOptions);
        return text.EndsWith('\n') ? written + "\n" : written;
    }

    private static void RemoveEarlier(JsonObject entries)
    {
        foreach (string name in entries.Select(p => p.Key).Where(k => k.StartsWith(LibraryName + "/", StringComparison.Ordinal)).ToList())
        {
            entries.Remove(name);
        }
    }

    /// <summary>Each file as the SDK lists a runtime asset: its name, assembly version and file version.</summary>
    private static JsonObject RuntimeAssets(IReadOnlyDictionary<string, string> runtimeFiles)
    {
        var assets = new JsonObject();
        foreach ((string name, string source) in runtimeFiles.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            var asset = new JsonObject();
            if (AssemblyName.GetAssemblyName(source).Version is { } assemblyVersion)
            {
                asset["assemblyVersion"] = assemblyVersion.ToString();
            }

            if (FileVersionInfo.GetVersionInfo(source).FileVersion is { Length: > 0 } fileVersion)
            {
                asset["fileVersion"] = fileVersion;
            }

            assets[name] = asset;
        }

        return assets;
    }

    private static RewriteDiagnostic Warning(string file, string why) =>
        new(DiagnosticIds.DepsFileNotUpdated, DiagnosticSeverity.Warning, $"{file} was not updated to list the Shim's run-time files: {why}", file);
}

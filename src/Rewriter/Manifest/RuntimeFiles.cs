using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace PrivSep.Rewriter.Manifest;

/// <summary>
/// Finds the PrivSep runtime files the rewriter placed in an output folder: <c>PrivSep.Shim.dll</c> and every assembly
/// of the folder it references, transitively (Protocol, StreamJsonRpc and its dependencies). Read with
/// System.Reflection.Metadata, not Cecil. Only these are pinned as runtime files; anything else that is in the folder
/// but not in the rewrite result stays unlisted, so verification reports it as extra. Only the folder's top level is
/// searched: that is where the rewriter places them.
/// </summary>
public static class RuntimeFiles
{
    public const string ShimFileName = "PrivSep.Shim.dll";

    /// <summary>
    /// The manifest with the Shim's closure found in the folder listed as <see cref="RewriteManifest.Runtime"/>, each
    /// pinned by the hash of the file in the folder, and removed from <see cref="RewriteManifest.Assemblies"/> (the
    /// engine reports the files it deployed as unchanged assemblies).
    /// </summary>
    public static RewriteManifest Pin(RewriteManifest manifest, string directory)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var runtimeFiles = new HashSet<string>(Find(directory), StringComparer.Ordinal);
        var runtime = runtimeFiles
            .Order(StringComparer.Ordinal)
            .Select(f => new ManifestRuntimeFile(f, ManifestPaths.Sha256OfFile(Path.Combine(directory, f))))
            .ToList();
        var assemblies = manifest.Assemblies.Where(a => !runtimeFiles.Contains(a.File)).ToList();
        return manifest with { Assemblies = assemblies, Runtime = runtime };
    }

    /// <summary>Manifest paths of the Shim and its reference closure within the folder's top level, sorted.</summary>
    public static IReadOnlyList<string> Find(string directory)
    {
        var byName = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string file in Directory.EnumerateFiles(directory, "*.dll", new EnumerationOptions { AttributesToSkip = 0 }))
        {
            byName.TryAdd(Path.GetFileNameWithoutExtension(file), Path.GetFileName(file));
        }

        var found = new SortedSet<string>(StringComparer.Ordinal);
        if (!byName.ContainsKey(Path.GetFileNameWithoutExtension(ShimFileName)))
        {
            return [];
        }

        var pending = new Queue<string>();
        pending.Enqueue(Path.GetFileNameWithoutExtension(ShimFileName));
        while (pending.TryDequeue(out string? name))
        {
            if (!byName.TryGetValue(name, out string? fileName) || !found.Add(fileName))
            {
                continue;
            }

            foreach (string reference in ReferencedAssemblyNames(Path.Combine(directory, fileName)))
            {
                pending.Enqueue(reference);
            }
        }

        return found.ToList();
    }

    private static IEnumerable<string> ReferencedAssemblyNames(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var pe = new PEReader(stream);
            if (!pe.HasMetadata)
            {
                return [];
            }

            var reader = pe.GetMetadataReader();
            return reader.AssemblyReferences.Select(h => reader.GetString(reader.GetAssemblyReference(h).Name)).ToList();
        }
        catch (BadImageFormatException)
        {
            return [];
        }
    }
}

using Mono.Cecil;

namespace PrivSep.Rewriter.Writing;

/// <summary>
/// The Shim's run-time closure: PrivSep.Shim.dll and every assembly it references, transitively, that sits beside it
/// (PrivSep.Protocol, StreamJsonRpc, Nerdbank.Streams, …). Framework assemblies are not beside it and are not copied.
/// These files are placed beside rewritten output at exactly the version the rewritten code references.
/// </summary>
internal static class ShimDeployment
{
    /// <summary>File names (e.g. "StreamJsonRpc.dll") mapped to their full paths in the Shim's directory.</summary>
    public static SortedDictionary<string, string> Closure(string shimAssemblyPath)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(shimAssemblyPath))!;
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var pending = new Queue<string>([Path.GetFullPath(shimAssemblyPath)]);
        while (pending.Count > 0)
        {
            string path = pending.Dequeue();
            if (!files.TryAdd(Path.GetFileName(path), path))
            {
                continue;
            }

            using ModuleDefinition module = ModuleDefinition.ReadModule(path, new ReaderParameters(ReadingMode.Deferred) { InMemory = true });
            foreach (AssemblyNameReference reference in module.AssemblyReferences)
            {
                string candidate = Path.Combine(directory, reference.Name + ".dll");
                if (File.Exists(candidate) && !files.ContainsKey(reference.Name + ".dll"))
                {
                    pending.Enqueue(candidate);
                }
            }
        }

        return files;
    }
}

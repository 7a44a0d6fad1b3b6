using System.Runtime.InteropServices;
using Mono.Cecil;

namespace PrivSep.Rewriter;

/// <summary>
/// Resolves references for one folder: the folder itself, then the running runtime's implementation assemblies, so a
/// reference to System.Runtime, netstandard or mscorlib follows its type forwarders to where the member really lives
/// (e.g. System.Private.CoreLib). Resolution only informs reports; matching is by names (<see cref="Catalog.DocumentationId"/>).
/// </summary>
internal sealed class AssemblyResolution : IDisposable
{
    private readonly Dictionary<string, string> assemblyOfMember = new(StringComparer.Ordinal);

    public AssemblyResolution(string inputDirectory)
    {
        this.Resolver = new DefaultAssemblyResolver();
        foreach (string directory in this.Resolver.GetSearchDirectories())
        {
            this.Resolver.RemoveSearchDirectory(directory);
        }

        this.Resolver.AddSearchDirectory(Path.GetFullPath(inputDirectory));
        this.Resolver.AddSearchDirectory(RuntimeEnvironment.GetRuntimeDirectory());
    }

    public DefaultAssemblyResolver Resolver { get; }

    /// <summary>The assembly that defines the called member after forwarders, or the referenced assembly when it cannot be resolved.</summary>
    public string AssemblyOf(MethodReference method)
    {
        string key = method.DeclaringType.FullName + "::" + method.Name + "/" + method.DeclaringType.Scope.Name;
        if (this.assemblyOfMember.TryGetValue(key, out string? cached))
        {
            return cached;
        }

        string name;
        try
        {
            name = method.DeclaringType.Resolve()?.Module.Assembly.Name.Name ?? method.DeclaringType.Scope.Name;
        }
        catch (AssemblyResolutionException)
        {
            name = method.DeclaringType.Scope.Name;
        }

        this.assemblyOfMember[key] = name;
        return name;
    }

    public void Dispose() => this.Resolver.Dispose();
}

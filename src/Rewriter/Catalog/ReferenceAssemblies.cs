using System.Runtime.InteropServices;
using Mono.Cecil;

namespace PrivSep.Rewriter.Catalog;

/// <summary>
/// The .NET reference assemblies (Microsoft.NETCore.App.Ref) the catalog is validated against: every public type by its
/// documentation name. Read once per directory with Cecil; nothing is loaded for execution.
/// </summary>
internal sealed class ReferenceAssemblies
{
    private static readonly Dictionary<string, ReferenceAssemblies> Cache = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<TypeDefinition>> typesByName = new(StringComparer.Ordinal);

    private ReferenceAssemblies(string directory)
    {
        this.Directory = directory;
        foreach (string path in System.IO.Directory.EnumerateFiles(directory, "*.dll").Order(StringComparer.Ordinal))
        {
            ModuleDefinition module;
            try
            {
                module = ModuleDefinition.ReadModule(path, new ReaderParameters(ReadingMode.Deferred) { InMemory = true });
            }
            catch (BadImageFormatException)
            {
                continue;
            }

            foreach (TypeDefinition type in module.Types)
            {
                this.Add(type);
            }
        }
    }

    public string Directory { get; }

    public static ReferenceAssemblies Load(string? directory = null)
    {
        directory ??= FindDefaultDirectory();
        lock (Cache)
        {
            if (!Cache.TryGetValue(directory, out ReferenceAssemblies? assemblies))
            {
                assemblies = new ReferenceAssemblies(directory);
                Cache[directory] = assemblies;
            }

            return assemblies;
        }
    }

    /// <summary>
    /// packs/Microsoft.NETCore.App.Ref/&lt;version&gt;/ref/net10.0 under the running runtime's dotnet root: the runtime's own
    /// version when that pack is installed, else the highest 10.x pack.
    /// </summary>
    public static string FindDefaultDirectory()
    {
        string runtimeDirectory = RuntimeEnvironment.GetRuntimeDirectory().TrimEnd(Path.DirectorySeparatorChar);
        string dotnetRoot = Path.GetFullPath(Path.Combine(runtimeDirectory, "..", "..", ".."));
        string packs = Path.Combine(dotnetRoot, "packs", "Microsoft.NETCore.App.Ref");
        if (!System.IO.Directory.Exists(packs))
        {
            throw new DirectoryNotFoundException($"{packs}: the .NET 10 reference assemblies (Microsoft.NETCore.App.Ref) are not installed; install the .NET 10 SDK.");
        }

        string exact = Path.Combine(packs, Environment.Version.ToString(3), "ref", "net10.0");
        if (System.IO.Directory.Exists(exact))
        {
            return exact;
        }

        string? best = System.IO.Directory.EnumerateDirectories(packs, "10.*")
            .Select(d => (Dir: d, Version: Version.TryParse(Path.GetFileName(d).Split('-')[0], out Version? v) ? v : null))
            .Where(d => d.Version is not null && System.IO.Directory.Exists(Path.Combine(d.Dir, "ref", "net10.0")))
            .OrderByDescending(d => d.Version)
            .Select(d => Path.Combine(d.Dir, "ref", "net10.0"))
            .FirstOrDefault();
        return best ?? throw new DirectoryNotFoundException($"{packs}: no 10.x reference pack with ref/net10.0; install the .NET 10 SDK.");
    }

    /// <summary>Every public type named <paramref name="documentationTypeName"/> (Namespace.Type) in the reference assemblies.</summary>
    public IReadOnlyList<TypeDefinition> FindTypes(string documentationTypeName) =>
        this.typesByName.TryGetValue(documentationTypeName, out List<TypeDefinition>? types) ? types : [];

    /// <summary>Every public method of every type named <paramref name="documentationTypeName"/> whose ID is <paramref name="methodId"/>.</summary>
    public IReadOnlyList<MethodDefinition> FindMethods(string documentationTypeName, string methodId)
    {
        if (!this.typesByName.TryGetValue(documentationTypeName, out List<TypeDefinition>? types))
        {
            return [];
        }

        return types.SelectMany(t => t.Methods)
            .Where(m => (m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly) && DocumentationId.ForMethod(m) == methodId)
            .ToList();
    }

    private void Add(TypeDefinition type)
    {
        if (!(type.IsPublic || type.IsNestedPublic))
        {
            return;
        }

        string name = DocumentationId.TypeName(type);
        if (!this.typesByName.TryGetValue(name, out List<TypeDefinition>? list))
        {
            list = [];
            this.typesByName[name] = list;
        }

        list.Add(type);
        foreach (TypeDefinition nested in type.NestedTypes)
        {
            this.Add(nested);
        }
    }
}

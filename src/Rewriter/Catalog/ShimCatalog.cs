using System.Security.Cryptography;
using Mono.Cecil;
using PrivSep.Rewriter.Model;

namespace PrivSep.Rewriter.Catalog;

/// <summary>
/// The catalog: every [PrivSep.Shim.Replaces] member of a Shim assembly, read with Cecil (never loaded for execution) and
/// validated against the .NET reference assemblies. Adding a replacement to the Shim never means editing the rewriter.
/// </summary>
public sealed class ShimCatalog
{
    internal const string ReplacesAttributeName = "PrivSep.Shim.ReplacesAttribute";

    private readonly Dictionary<string, CatalogEntry> byOriginalId;
    private readonly HashSet<string> typesWithConstructors;
    private readonly HashSet<string> typesWithMembers;
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> typesWithMembersBySpan;
    private readonly HashSet<string>? memberNames;
    private readonly TopLevelTypeFilter declaringTypes;

    private ShimCatalog(string path, string sha256, ModuleDefinition module, IReadOnlyList<CatalogEntry> entries, ReferenceAssemblies references)
    {
        this.References = references;
        this.ShimAssemblyPath = path;
        this.Sha256 = sha256;
        this.ShimModule = module;
        this.Entries = entries;
        this.byOriginalId = entries.ToDictionary(e => e.OriginalId, StringComparer.Ordinal);
        this.typesWithConstructors = entries.Where(e => e.Shape == ReplacementShape.Constructor).Select(e => e.DeclaringType).ToHashSet(StringComparer.Ordinal);
        this.typesWithMembers = entries.Select(e => e.DeclaringType).ToHashSet(StringComparer.Ordinal);
        this.typesWithMembersBySpan = this.typesWithMembers.GetAlternateLookup<ReadOnlySpan<char>>();
        this.memberNames = entries.Any(e => e.OriginalId.Count(c => c == '#') > 8) ? null : entries.SelectMany(e => MetadataNamesOf(e.OriginalId)).ToHashSet(StringComparer.Ordinal);
        this.declaringTypes = new TopLevelTypeFilter(entries.Select(e => e.OriginalId));
    }

    public string ShimAssemblyPath { get; }

    /// <summary>SHA-256 (lowercase hex) of the Shim assembly's bytes: the exact code rewritten assemblies will call.</summary>
    public string Sha256 { get; }

    /// <summary>The entries, ordered by original member ID.</summary>
    public IReadOnlyList<CatalogEntry> Entries { get; }

    /// <summary>The Shim's identity as rewritten assemblies reference it.</summary>
    public string ShimAssemblyName => this.ShimModule.Assembly.Name.FullName;

    internal ModuleDefinition ShimModule { get; }

    /// <summary>The .NET reference assemblies the entries were validated against.</summary>
    internal ReferenceAssemblies References { get; }

    /// <summary>The file-system surface of the same reference assemblies: what the catalog is measured against.</summary>
    public FileSystemSurface Surface => FileSystemSurface.For(this.References);

    /// <summary>Reads and validates the catalog; throws <see cref="ShimCatalogException"/> naming every bad entry.</summary>
    public static ShimCatalog Load(string shimAssemblyPath) => Load(shimAssemblyPath, null);

    internal static ShimCatalog Load(string shimAssemblyPath, string? referenceDirectory)
    {
        string fullPath = Path.GetFullPath(shimAssemblyPath);
        byte[] bytes;
        ModuleDefinition module;
        try
        {
            bytes = File.ReadAllBytes(fullPath);
            module = ModuleDefinition.ReadModule(new MemoryStream(bytes, writable: false), new ReaderParameters(ReadingMode.Immediate));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or BadImageFormatException or ArgumentException)
        {
            throw new ShimCatalogException(fullPath, [new RewriteDiagnostic(DiagnosticIds.InvalidCatalog, DiagnosticSeverity.Error, $"cannot read the Shim assembly: {ex.Message}; pass the PrivSep.Shim.dll built with this tool (--shim).", Path.GetFileName(fullPath), SourceFile: fullPath)]);
        }

        ReferenceAssemblies references = ReferenceAssemblies.Load(referenceDirectory);
        var problems = new List<RewriteDiagnostic>();
        var entries = new List<CatalogEntry>();
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (TypeDefinition type in AllTypes(module))
        {
            foreach (MethodDefinition method in type.Methods)
            {
                CustomAttribute? replaces = method.CustomAttributes.FirstOrDefault(a => a.AttributeType.FullName == ReplacesAttributeName);
                if (replaces is null)
                {
                    continue;
                }

                string replacementId = DocumentationId.ForMethod(method);
                string? originalId = replaces.ConstructorArguments.Count == 1 ? replaces.ConstructorArguments[0].Value as string : null;
                string? problem = originalId is null
                    ? "the [Replaces] attribute has no documentation ID"
                    : CatalogValidator.Validate(originalId, method, references, out CatalogEntry? entry)
                        ?? (seen.TryGetValue(originalId, out string? other) ? $"'{originalId}' is already replaced by {other}" : AddEntry(entry!));
                if (problem is not null)
                {
                    problems.Add(new RewriteDiagnostic(
                        DiagnosticIds.InvalidCatalog,
                        DiagnosticSeverity.Error,
                        $"bad catalog entry [Replaces(\"{originalId}\")] on {replacementId}: {problem}",
                        module.Assembly.Name.Name,
                        replacementId,
                        fullPath));
                }

                string? AddEntry(CatalogEntry e)
                {
                    seen[e.OriginalId] = replacementId;
                    entries.Add(e);
                    return null;
                }
            }
        }

        if (problems.Count > 0)
        {
            throw new ShimCatalogException(fullPath, problems);
        }

        entries.Sort((a, b) => string.CompareOrdinal(a.OriginalId, b.OriginalId));
        return new ShimCatalog(fullPath, Convert.ToHexStringLower(SHA256.HashData(bytes)), module, entries, references);
    }

    /// <summary>The entry for a call's target, matched by declaring type, name, parameter and return types (never by assembly).</summary>
    internal CatalogEntry? Match(MethodReference called)
    {
        // A type the module defines itself is not the BCL's, whatever its name.
        if (called.DeclaringType.GetElementType() is TypeDefinition || called.DeclaringType.Scope is not AssemblyNameReference)
        {
            return null;
        }

        // Cheap exact prefilter before building the full ID: the metadata name, then the outermost declaring type.
        MethodReference element = called is GenericInstanceMethod gim ? gim.ElementMethod : called;
        if (this.memberNames?.Contains(element.Name) == false || !this.declaringTypes.MayMatch(element.DeclaringType))
        {
            return null;
        }

        if (!this.byOriginalId.TryGetValue(DocumentationId.ForMethod(called), out CatalogEntry? entry))
        {
            return null;
        }

        string returnType = element.Name == ".ctor" ? DocumentationId.TypeName(element.DeclaringType) : DocumentationId.TypeInSignature(element.ReturnType);
        return returnType == entry.ReturnType ? entry : null;
    }

    /// <summary>True when the catalog replaces a constructor of this type (deriving from it cannot be redirected).</summary>
    internal bool HasCatalogedConstructor(string documentationTypeName) => this.typesWithConstructors.Contains(documentationTypeName);

    /// <summary>True when the catalog replaces any member of this type.</summary>
    internal bool IsCatalogedType(string documentationTypeName) => this.typesWithMembers.Contains(documentationTypeName);

    /// <inheritdoc cref="IsCatalogedType(string)"/>
    internal bool IsCatalogedType(ReadOnlySpan<char> documentationTypeName) => this.typesWithMembersBySpan.Contains(documentationTypeName);

    /// <summary>False when no catalog ID can belong to a member of this top-level type (namespace and metadata name).</summary>
    internal bool MayDeclareCatalogedMember(string @namespace, string name) => this.declaringTypes.MayMatch(@namespace, name);

    internal bool IsCatalogedMember(string documentationId) => this.byOriginalId.ContainsKey(documentationId);

    internal IEnumerable<string> CatalogedTypeNames => this.typesWithMembers;

    /// <summary>
    /// Every metadata name whose ID form (<c>.</c> written as <c>#</c>) is the member part of <paramref name="id"/>:
    /// "M:System.IO.FileStream.#ctor(System.String,…)" gives ".ctor" and "#ctor".
    /// </summary>
    private static IEnumerable<string> MetadataNamesOf(string id)
    {
        int end = id.IndexOf('(', StringComparison.Ordinal);
        string head = end < 0 ? id : id[..end];
        int tilde = head.IndexOf('~', StringComparison.Ordinal);
        head = tilde < 0 ? head : head[..tilde];
        string member = head[(head.LastIndexOf('.') + 1)..];
        int arity = member.IndexOf("``", StringComparison.Ordinal);
        member = arity < 0 ? member : member[..arity];
        var names = new List<string> { string.Empty };
        foreach (char c in member)
        {
            if (c == '#')
            {
                names = names.SelectMany(n => new[] { n + "#", n + "." }).ToList();
            }
            else
            {
                for (int i = 0; i < names.Count; i++)
                {
                    names[i] += c;
                }
            }
        }

        return names;
    }

    private static IEnumerable<TypeDefinition> AllTypes(ModuleDefinition module)
    {
        var stack = new Stack<TypeDefinition>(module.Types.Reverse());
        while (stack.Count > 0)
        {
            TypeDefinition type = stack.Pop();
            yield return type;
            foreach (TypeDefinition nested in type.NestedTypes.Reverse())
            {
                stack.Push(nested);
            }
        }
    }
}

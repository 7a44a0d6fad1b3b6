using System.Text.Json;
using System.Text.Json.Serialization;
using Mono.Cecil;

namespace PrivSep.Rewriter.Catalog;

/// <summary>One public member of a file-system type, classified (<c>FileSystemSurface.json</c>).</summary>
/// <param name="Id">The member's documentation-comment ID.</param>
/// <param name="DeclaringType">The type that declares it (Namespace.Type).</param>
/// <param name="ByPath">True when it opens, examines or changes a file-system object named by a path.</param>
/// <param name="Reason">For a member that is not by path, why not; for one that is, why it is left out of the Shim on purpose (null: it is meant to be replaced).</param>
public sealed record SurfaceMember(string Id, string DeclaringType, bool ByPath, string? Reason);

/// <summary>
/// The BCL's file-system surface: every public member (methods, constructors, property getters and setters) of the types
/// named in <c>Catalog/FileSystemSurface.json</c>, enumerated from the .NET reference assemblies and classified by that
/// file's rules over member shapes and its short list of exceptions. PS1004 fires for a by-path member the catalog does
/// not replace; <c>privsep catalog --coverage</c> measures the catalog against the by-path members.
/// </summary>
public sealed class FileSystemSurface
{
    private const string ResourceName = "PrivSep.Rewriter.FileSystemSurface.json";

    private static readonly SurfaceData Data = ReadData();
    private static readonly Dictionary<ReferenceAssemblies, FileSystemSurface> Cache = [];

    private readonly Dictionary<string, SurfaceMember> byId;
    private readonly Dictionary<string, string> baseTypes;

    private FileSystemSurface(List<SurfaceMember> members, List<string> unclassified, Dictionary<string, string> baseTypes)
    {
        this.Members = members;
        this.Unclassified = unclassified;
        this.byId = members.ToDictionary(m => m.Id, StringComparer.Ordinal);
        this.baseTypes = baseTypes;
        this.UnusedExceptions = Data.Exceptions.Select(e => e.Member).Where(id => !this.byId.ContainsKey(id)).ToList();
    }

    /// <summary>The types of the surface (Namespace.Type), in the data file's order.</summary>
    public static IReadOnlyList<string> Types => Data.Types;

    /// <summary>Every classified member, by type (in <see cref="Types"/> order), then by ID.</summary>
    public IReadOnlyList<SurfaceMember> Members { get; }

    /// <summary>Members no exception and no rule classifies: the data file must be extended (a test keeps this empty).</summary>
    public IReadOnlyList<string> Unclassified { get; }

    /// <summary>Exceptions of the data file that name no member of the reference assemblies (a test keeps this empty).</summary>
    public IReadOnlyList<string> UnusedExceptions { get; }

    /// <summary>The surface of the reference assemblies in <paramref name="referenceDirectory"/> (default: the installed .NET 10 pack).</summary>
    public static FileSystemSurface Load(string? referenceDirectory = null) => For(ReferenceAssemblies.Load(referenceDirectory));

    internal static FileSystemSurface For(ReferenceAssemblies references)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue(references, out FileSystemSurface? surface))
            {
                surface = Classify(references);
                Cache[references] = surface;
            }

            return surface;
        }
    }

    /// <summary>
    /// The member a call names, by its documentation ID; a member inherited from a surface base type (a call compiled
    /// against <c>FileInfo</c> to a member <c>FileSystemInfo</c> declares) is found on the base type.
    /// </summary>
    public SurfaceMember? Find(string documentationId)
    {
        if (this.byId.TryGetValue(documentationId, out SurfaceMember? member))
        {
            return member;
        }

        int paren = documentationId.IndexOf('(', StringComparison.Ordinal);
        int dot = documentationId.LastIndexOf('.', paren < 0 ? documentationId.Length - 1 : paren);
        if (!documentationId.StartsWith("M:", StringComparison.Ordinal) || dot < 2)
        {
            return null;
        }

        string type = documentationId[2..dot];
        return this.baseTypes.TryGetValue(type, out string? baseType) ? this.Find("M:" + baseType + documentationId[dot..]) : null;
    }

    private static FileSystemSurface Classify(ReferenceAssemblies references)
    {
        var members = new List<SurfaceMember>();
        var unclassified = new List<string>();
        var baseTypes = new Dictionary<string, string>(StringComparer.Ordinal);
        Dictionary<string, SurfaceException> exceptions = Data.Exceptions.ToDictionary(e => e.Member, StringComparer.Ordinal);
        foreach (string type in Data.Types)
        {
            foreach (TypeDefinition definition in references.FindTypes(type))
            {
                if (definition.BaseType is { } baseType && Data.Types.Contains(DocumentationId.TypeName(baseType), StringComparer.Ordinal))
                {
                    baseTypes[type] = DocumentationId.TypeName(baseType);
                }

                foreach (MethodDefinition method in definition.Methods.Where(m => m.IsPublic && !(m.IsConstructor && m.IsStatic)).OrderBy(DocumentationId.ForMethod, StringComparer.Ordinal))
                {
                    string id = DocumentationId.ForMethod(method);
                    SurfaceMember? member = exceptions.TryGetValue(id, out SurfaceException? exception)
                        ? new SurfaceMember(id, type, exception.ByPath, exception.ByPath ? exception.NotReplaced : exception.Reason)
                        : Data.Rules.FirstOrDefault(r => r.Fits(type, method)) is { } rule ? new SurfaceMember(id, type, rule.ByPath, rule.ByPath ? null : rule.Reason) : null;
                    if (member is null)
                    {
                        unclassified.Add(id);
                    }
                    else
                    {
                        members.Add(member);
                    }
                }
            }
        }

        return new FileSystemSurface(members, unclassified, baseTypes);
    }

    private static SurfaceData ReadData()
    {
        using Stream stream = typeof(FileSystemSurface).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"the resource {ResourceName} is missing from PrivSep.Rewriter");
        return JsonSerializer.Deserialize<SurfaceData>(stream, new JsonSerializerOptions { PropertyNameCaseInsensitive = true, RespectRequiredConstructorParameters = true })
            ?? throw new InvalidOperationException($"the resource {ResourceName} is empty");
    }

    private sealed record SurfaceData(List<string> Types, List<SurfaceRule> Rules, List<SurfaceException> Exceptions);

    private sealed record SurfaceException(string Member, bool ByPath, string? Reason = null, string? NotReplaced = null);

    /// <summary>A rule over member shapes: <c>static</c>, <c>instance</c> (methods and accessors) or <c>constructor</c>, optionally by first parameter type.</summary>
    private sealed record SurfaceRule(List<string> Types, string Shape, bool ByPath, List<string>? FirstParameter = null, string? Reason = null)
    {
        public bool Fits(string type, MethodDefinition method)
        {
            string shape = method.IsConstructor ? "constructor" : method.IsStatic ? "static" : "instance";
            return this.Types.Contains(type, StringComparer.Ordinal)
                && this.Shape == shape
                && (this.FirstParameter is null || (method.HasParameters && this.FirstParameter.Contains(DocumentationId.TypeInSignature(method.Parameters[0].ParameterType), StringComparer.Ordinal)));
        }
    }
}

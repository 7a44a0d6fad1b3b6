using Mono.Cecil;

namespace PrivSep.Rewriter.Catalog;

/// <summary>How a Shim member stands in for the BCL member it replaces (DESIGN.md, "The catalog").</summary>
public enum ReplacementShape
{
    /// <summary>Static member → static method with the same signature.</summary>
    Static,

    /// <summary>Instance member → static method whose first parameter is the instance.</summary>
    Instance,

    /// <summary>Constructor → static factory with the constructor's parameters returning the constructed type.</summary>
    Constructor,
}

/// <summary>One [Replaces] member of the Shim, validated against the .NET reference assemblies.</summary>
/// <param name="OriginalId">The replaced BCL member, as a documentation-comment ID.</param>
/// <param name="ReplacementId">The Shim member, as a documentation-comment ID.</param>
/// <param name="DeclaringType">The BCL type that declares the original (Namespace.Type).</param>
/// <param name="ReturnType">The original's return type as it appears in IDs (the constructed type for constructors).</param>
/// <param name="IsVirtual">True when the original is a virtual instance member (a non-virtual <c>call</c> to it is a <c>base.</c> call).</param>
public sealed record CatalogEntry(
    string OriginalId,
    string ReplacementId,
    ReplacementShape Shape,
    string DeclaringType,
    string ReturnType,
    bool IsVirtual)
{
    /// <summary>The Shim method itself, from the catalog's in-memory copy of the Shim module.</summary>
    internal MethodDefinition Replacement { get; init; } = null!;
}

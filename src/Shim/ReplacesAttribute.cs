namespace PrivSep.Shim;

/// <summary>
/// Marks a Shim member as the replacement of one BCL member, named by its documentation-comment ID (the format
/// Roslyn's BannedApiAnalyzers use, e.g. <c>M:System.IO.File.ReadAllText(System.String)</c>). The rewriter reads
/// these attributes from the Shim assembly as its catalog, so adding a replacement never means editing the rewriter.
/// </summary>
/// <remarks>
/// Shapes: a static member is replaced by a static method with the same signature; an instance member by a static
/// method whose first parameter is the instance; a constructor by a static factory with the constructor's parameters
/// that returns the constructed type.
/// </remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class ReplacesAttribute(string documentationId) : Attribute
{
    public string DocumentationId { get; } = documentationId;
}

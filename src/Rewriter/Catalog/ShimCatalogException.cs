using PrivSep.Rewriter.Model;

namespace PrivSep.Rewriter.Catalog;

/// <summary>The Shim assembly could not serve as a catalog: one PS1000 diagnostic per bad entry (or an unreadable file).</summary>
public sealed class ShimCatalogException(string shimAssemblyPath, IReadOnlyList<RewriteDiagnostic> diagnostics)
    : Exception($"{shimAssemblyPath}: the Shim catalog is invalid ({diagnostics.Count} problem(s)):{Environment.NewLine}{string.Join(Environment.NewLine, diagnostics)}")
{
    public string ShimAssemblyPath { get; } = shimAssemblyPath;

    public IReadOnlyList<RewriteDiagnostic> Diagnostics { get; } = diagnostics;
}

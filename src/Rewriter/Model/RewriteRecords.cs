namespace PrivSep.Rewriter.Model;

/// <summary>One call site the rewriter changed.</summary>
/// <param name="Method">The method that holds the call, as the user wrote it (compiler-generated state machines and lambdas reported at their user method).</param>
/// <param name="OriginalMember">The BCL member called before, as a documentation-comment ID.</param>
/// <param name="OriginalAssembly">The assembly the original reference resolved to (e.g. System.Private.CoreLib).</param>
/// <param name="Replacement">The Shim member called now, as a documentation-comment ID.</param>
public sealed record CallSiteRewrite(
    string Method,
    int ILOffset,
    string? SourceFile,
    int? Line,
    int? Column,
    string OriginalMember,
    string OriginalAssembly,
    string Replacement);

/// <summary>What happened to one assembly of the folder.</summary>
/// <param name="FileName">The file name relative to the folder (e.g. "Plugins/PingCheck.dll").</param>
/// <param name="Changed">False when nothing cataloged was referenced and the file was copied unchanged.</param>
/// <param name="AlreadyRewritten">True when the assembly carried PrivSep's marker and was left as it was.</param>
public sealed record AssemblyRewriteRecord(
    string FileName,
    string OriginalSha256,
    string RewrittenSha256,
    bool Changed,
    bool AlreadyRewritten,
    IReadOnlyList<CallSiteRewrite> Rewrites);

/// <summary>The outcome of rewriting (or scanning) a folder.</summary>
public sealed record FolderRewriteResult(
    string ToolVersion,
    string CatalogSha256,
    IReadOnlyList<AssemblyRewriteRecord> Assemblies,
    IReadOnlyList<RewriteDiagnostic> Diagnostics)
{
    /// <summary>
    /// Every file other than an assembly that the run placed in the output ('/'-separated, relative, sorted): files of
    /// the input copied unchanged (native libraries, data, scripts) and the PDBs beside rewritten assemblies. With the
    /// assemblies, it is the set the manifest pins; anything else found in the output later was not written by this run.
    /// </summary>
    public IReadOnlyList<string> OtherFiles { get; init; } = [];

    public bool HasErrors => this.Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);
}

/// <summary>How to rewrite a folder.</summary>
/// <param name="OutputDirectory">Where rewritten assemblies go (created, written atomically); null with <paramref name="InPlace"/>.</param>
/// <param name="ShimAssemblyPath">The PrivSep.Shim.dll whose [Replaces] members are the catalog; null for the Shim beside the tool.</param>
/// <param name="StrongNameKeyPath">An .snk to re-sign strong-named assemblies with; without it they keep their identity but lose a valid signature.</param>
public sealed record RewriteOptions(
    string InputDirectory,
    string? OutputDirectory,
    bool InPlace = false,
    string? ShimAssemblyPath = null,
    string? StrongNameKeyPath = null,
    IProgress<string>? Progress = null);

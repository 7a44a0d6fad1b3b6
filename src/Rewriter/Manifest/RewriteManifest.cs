using PrivSep.Rewriter.Model;

namespace PrivSep.Rewriter.Manifest;

/// <summary>
/// The content of <c>privsep.manifest.json</c>: what <c>privsep rewrite</c> produced, pinned by SHA-256, so that a host
/// can refuse any assembly that is not exactly what was rewritten and signed. Properties are serialized camelCase in
/// declaration order (see <see cref="ManifestJson"/>); the signature covers the exact bytes of the file.
/// </summary>
/// <param name="FormatVersion">The manifest schema; readers refuse versions they do not know (<see cref="CurrentFormatVersion"/>).</param>
/// <param name="CatalogSha256">The hash of the Shim catalog the rewriter used.</param>
/// <param name="CreatedUtc">When the manifest was written; informational, not checked.</param>
/// <param name="Assemblies">The plugin assemblies of the folder, each pinned by its rewritten hash.</param>
/// <param name="Runtime">The PrivSep runtime files the rewriter placed beside them (Shim, Protocol, StreamJsonRpc and its dependencies), pinned too.</param>
/// <param name="Files">
/// Every file of the folder, recursively, with its SHA-256: assemblies, runtime files, native libraries, PDBs, data and
/// anything else (the manifest and its signature excepted). Verification refuses a folder holding any file not listed
/// here, or anything that is not a regular file. Since format version 2.
/// </param>
public sealed record RewriteManifest(
    int FormatVersion,
    string ToolVersion,
    string CatalogSha256,
    DateTime CreatedUtc,
    IReadOnlyList<ManifestAssembly> Assemblies,
    IReadOnlyList<ManifestRuntimeFile> Runtime,
    IReadOnlyList<ManifestFile> Files,
    IReadOnlyList<ManifestDiagnostic> Diagnostics)
{
    /// <summary>2: every file of the folder is pinned (<see cref="Files"/>). Version 1 pinned only *.dll and *.exe and is refused.</summary>
    public const int CurrentFormatVersion = 2;

    /// <summary>
    /// The manifest of a rewrite or scan result, without runtime files and file list (add them with
    /// <see cref="RuntimeFiles.Pin"/>, then <see cref="FolderFiles.Pin"/>).
    /// </summary>
    public static RewriteManifest From(FolderRewriteResult result, DateTime? createdUtc = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new RewriteManifest(
            CurrentFormatVersion,
            result.ToolVersion,
            result.CatalogSha256,
            (createdUtc ?? DateTime.UtcNow).ToUniversalTime(),
            result.Assemblies.Select(ManifestAssembly.From).ToList(),
            [],
            [],
            result.Diagnostics.Select(ManifestDiagnostic.From).ToList());
    }
}

/// <param name="File">Relative to the folder, '/'-separated.</param>
public sealed record ManifestAssembly(
    string File,
    string OriginalSha256,
    string RewrittenSha256,
    bool Changed,
    bool AlreadyRewritten,
    IReadOnlyList<ManifestRewrite> Rewrites)
{
    public static ManifestAssembly From(AssemblyRewriteRecord record) => new(
        ManifestPaths.ToManifestPath(record.FileName),
        record.OriginalSha256,
        record.RewrittenSha256,
        record.Changed,
        record.AlreadyRewritten,
        record.Rewrites.Select(r => new ManifestRewrite(r.Method, r.ILOffset, r.SourceFile, r.Line, r.Column, r.OriginalMember, r.OriginalAssembly, r.Replacement)).ToList());
}

/// <summary>One call site the rewriter changed; members are documentation-comment IDs.</summary>
public sealed record ManifestRewrite(
    string Method,
    int IlOffset,
    string? SourceFile,
    int? Line,
    int? Column,
    string OriginalMember,
    string OriginalAssembly,
    string Replacement);

/// <summary>A PrivSep runtime file placed beside the plugins (not rewritten), pinned by hash.</summary>
/// <param name="File">Relative to the folder, '/'-separated.</param>
public sealed record ManifestRuntimeFile(string File, string Sha256);

/// <summary>One file of the folder, pinned by hash.</summary>
/// <param name="File">Relative to the folder, '/'-separated, no "." or ".." segments.</param>
public sealed record ManifestFile(string File, string Sha256);

/// <param name="Severity"><c>error</c>, <c>warning</c> or <c>info</c>.</param>
public sealed record ManifestDiagnostic(
    string Id,
    string Severity,
    string Message,
    string? Assembly,
    string? Method,
    string? SourceFile,
    int? Line,
    int? Column)
{
    public static ManifestDiagnostic From(RewriteDiagnostic d) => new(
        d.Id,
        d.Severity switch { DiagnosticSeverity.Error => "error", DiagnosticSeverity.Warning => "warning", _ => "info" },
        d.Message,
        d.Assembly,
        d.Method,
        d.SourceFile,
        d.Line,
        d.Column);
}

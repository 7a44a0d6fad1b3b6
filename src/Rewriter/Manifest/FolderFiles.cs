namespace PrivSep.Rewriter.Manifest;

/// <summary>
/// Fills the manifest's file list (<see cref="RewriteManifest.Files"/>): every file the rewrite placed in the output
/// folder — its assemblies, the runtime files and the other files it copied or wrote (native libraries, PDBs, data) —
/// each pinned by the SHA-256 of the file now in the folder. Only what the run produced is listed: a file that was
/// already in the output folder and that the run did not write stays unlisted, so verification reports it as extra
/// instead of the signature vouching for it.
/// </summary>
public static class FolderFiles
{
    /// <param name="otherFiles">The run's other files (<see cref="Model.FolderRewriteResult.OtherFiles"/>): manifest paths.</param>
    /// <exception cref="IOException">A file of the run is missing or is not a regular file (a symbolic link is never pinned).</exception>
    public static RewriteManifest Pin(RewriteManifest manifest, string directory, IEnumerable<string> otherFiles)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(otherFiles);
        var files = manifest.Assemblies.Select(a => a.File)
            .Concat(manifest.Runtime.Select(r => r.File))
            .Concat(otherFiles)
            .Where(f => f is not (ManifestPaths.ManifestFileName or ManifestPaths.SignatureFileName))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .Select(f => new ManifestFile(f, ManifestPaths.Sha256OfFile(Path.Combine(directory, f))))
            .ToList();
        return manifest with { Files = files };
    }
}

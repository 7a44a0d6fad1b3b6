using System.Security.Cryptography;
using System.Text;

namespace PrivSep.Rewriter.Manifest;

/// <summary>The outcome of <see cref="ManifestVerifier.VerifyFolder(string, ECDsa)"/>.</summary>
/// <param name="IsValid">True when no problem was found: the folder may be loaded.</param>
/// <param name="Problems">What is wrong, each naming the file; empty when valid.</param>
/// <param name="Manifest">The manifest when its signature is valid and it parsed; null otherwise (an unsigned manifest is never trusted).</param>
public sealed record ManifestVerification(bool IsValid, IReadOnlyList<string> Problems, RewriteManifest? Manifest);

/// <summary>
/// The host's load-time check of a rewritten plugin folder: the manifest is signed by the given key, and the folder
/// holds exactly the files its file list pins — every file, recursively, hidden ones included, whatever its name
/// (assemblies, native libraries, scripts, data), each with the same SHA-256 — and nothing else: no unlisted file, no
/// symbolic link, no FIFO, socket or device. Nothing may be added to a signed folder; a change means a new rewrite and
/// signature. The plugin assemblies and runtime files must be pinned by that list too. Uses no Cecil, only hashing.
/// Verification and loading are two steps: the folder must not be writable by the agent that loads it.
/// </summary>
public static class ManifestVerifier
{
    /// <exception cref="ManifestException">The public key cannot be loaded (missing, not a PEM, not ECDSA P-256).</exception>
    public static ManifestVerification VerifyFolder(string directory, string publicKeyPemPath)
    {
        using ECDsa key = ManifestKeys.LoadPublic(publicKeyPemPath);
        return VerifyFolder(directory, key);
    }

    public static ManifestVerification VerifyFolder(string directory, ECDsa publicKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(publicKey);
        var problems = new List<string>();
        if (!Directory.Exists(directory))
        {
            return Invalid($"the folder {directory} does not exist");
        }

        string manifestPath = Path.Combine(directory, ManifestPaths.ManifestFileName);
        string signaturePath = Path.Combine(directory, ManifestPaths.SignatureFileName);
        if (!TryRead(manifestPath, problems, $"{ManifestPaths.ManifestFileName} is missing in {directory} — the folder was not rewritten by privsep rewrite, or the manifest was removed", out byte[] manifestBytes)
            | !TryRead(signaturePath, problems, $"{ManifestPaths.SignatureFileName} is missing in {directory} — the manifest is not signed; run privsep rewrite with --sign-key", out byte[] signatureText))
        {
            return new ManifestVerification(false, problems, null);
        }

        byte[] signature;
        try
        {
            signature = Convert.FromBase64String(Encoding.ASCII.GetString(signatureText).Trim());
        }
        catch (FormatException)
        {
            return Invalid($"{ManifestPaths.SignatureFileName}: not a base64 signature — the file is damaged; sign the folder again with privsep rewrite --sign-key");
        }

        if (!ManifestSigner.IsValidSignature(manifestBytes, signature, publicKey))
        {
            return Invalid($"{ManifestPaths.SignatureFileName}: the signature does not match {ManifestPaths.ManifestFileName} for this public key — the manifest was edited after signing, or it was signed with another key");
        }

        RewriteManifest manifest;
        try
        {
            manifest = ManifestJson.Parse(manifestBytes, ManifestPaths.ManifestFileName);
        }
        catch (ManifestException e)
        {
            return Invalid(e.Message);
        }

        var expected = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (ManifestFile entry in manifest.Files)
        {
            if (!ManifestPaths.IsSafeManifestPath(entry.File))
            {
                problems.Add($"{ManifestPaths.ManifestFileName}: the entry '{entry.File}' is not a relative path inside the folder");
            }
            else if (entry.File is ManifestPaths.ManifestFileName or ManifestPaths.SignatureFileName)
            {
                problems.Add($"{ManifestPaths.ManifestFileName}: the entry '{entry.File}' names the manifest or its signature, which cannot pin themselves — the manifest is not one privsep rewrite wrote");
            }
            else if (!expected.TryAdd(entry.File, entry.Sha256))
            {
                problems.Add($"{ManifestPaths.ManifestFileName}: '{entry.File}' is listed twice");
            }
        }

        // The assemblies a host loads and the runtime files are taken from their own lists: each must be pinned, with the
        // same hash, by the file list that the folder is checked against.
        foreach (var (file, sha256, what) in manifest.Assemblies.Select(a => (a.File, a.RewrittenSha256, "an assembly")).Concat(manifest.Runtime.Select(r => (r.File, r.Sha256, "a runtime file"))))
        {
            if (!expected.TryGetValue(file, out string? pinned))
            {
                problems.Add($"{file}: is listed as {what} but not in the manifest's file list — the manifest is not one privsep rewrite wrote");
            }
            else if (!string.Equals(pinned, sha256, StringComparison.OrdinalIgnoreCase))
            {
                problems.Add($"{file}: is listed as {what} with another hash than in the manifest's file list — the manifest is not one privsep rewrite wrote");
            }
        }

        IReadOnlyList<FolderEntry> present;
        try
        {
            present = FolderEntries.List(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add($"the folder {directory} cannot be listed: {e.Message}");
            return new ManifestVerification(false, problems, manifest);
        }

        foreach (FolderEntry entry in present)
        {
            string? problem = entry.Kind switch
            {
                FolderEntryKind.SymbolicLink => $"{entry.File}: is a symbolic link — a verified folder holds only regular files (a link can point outside it, and its target is not what was signed); put the file itself in its place, then rewrite and sign the folder again",
                FolderEntryKind.Other => $"{entry.File}: is not a regular file (a FIFO, socket or device) — remove it",
                _ => expected.TryGetValue(entry.File, out string? sha256) ? CheckHash(directory, entry.File, sha256)
                    : $"{entry.File}: is not in the signed manifest — a file added after signing (nothing may be added to a signed folder); remove it, or rewrite and sign the folder again",
            };
            if (problem is not null)
            {
                problems.Add(problem);
            }
        }

        var presentSet = new HashSet<string>(present.Select(e => e.File), StringComparer.Ordinal);
        foreach (string file in expected.Keys.Where(f => !presentSet.Contains(f)).Order(StringComparer.Ordinal))
        {
            problems.Add($"{file}: is listed in the signed manifest but missing from the folder");
        }

        return new ManifestVerification(problems.Count == 0, problems, manifest);
    }

    private static string? CheckHash(string directory, string file, string sha256)
    {
        string actual;
        try
        {
            actual = ManifestPaths.Sha256OfFile(Path.Combine(directory, file));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"{file}: cannot be read to check its hash: {e.Message}";
        }

        return string.Equals(actual, sha256, StringComparison.OrdinalIgnoreCase)
            ? null
            : $"{file}: SHA-256 {actual} does not match the signed manifest ({sha256}) — the file was changed after signing";
    }

    private static ManifestVerification Invalid(string problem) => new(false, [problem], null);

    private static bool TryRead(string path, List<string> problems, string missingProblem, out byte[] bytes)
    {
        try
        {
            bytes = File.ReadAllBytes(path);
            return true;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            problems.Add(missingProblem);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add($"{Path.GetFileName(path)} cannot be read: {e.Message}");
        }

        bytes = [];
        return false;
    }
}

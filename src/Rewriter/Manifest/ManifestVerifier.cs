using System.Security.Cryptography;
using System.Text;

namespace PrivSep.Rewriter.Manifest;

/// <summary>The outcome of <see cref="ManifestVerifier.VerifyFolder(string, ECDsa)"/>.</summary>
/// <param name="IsValid">True when no problem was found: the folder may be loaded.</param>
/// <param name="Problems">What is wrong, each naming the file; empty when valid.</param>
/// <param name="Manifest">The manifest when its signature is valid and it parsed; null otherwise (an unsigned manifest is never trusted).</param>
public sealed record ManifestVerification(bool IsValid, IReadOnlyList<string> Problems, RewriteManifest? Manifest);

/// <summary>
/// The host's load-time check of a rewritten plugin folder: the manifest is signed by the given key, every assembly
/// file of the folder (*.dll, *.exe, recursively, hidden files included) is listed in it — as a plugin assembly or a
/// PrivSep runtime file — with the same SHA-256, and every listed file is present. Uses no Cecil, only hashing.
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
        foreach (var (file, sha256) in manifest.Assemblies.Select(a => (a.File, a.RewrittenSha256)).Concat(manifest.Runtime.Select(r => (r.File, r.Sha256))))
        {
            if (!ManifestPaths.IsSafeManifestPath(file))
            {
                problems.Add($"{ManifestPaths.ManifestFileName}: the entry '{file}' is not a relative path inside the folder");
            }
            else if (!expected.TryAdd(file, sha256))
            {
                problems.Add($"{ManifestPaths.ManifestFileName}: '{file}' is listed twice");
            }
        }

        IReadOnlyList<string> present;
        try
        {
            present = ManifestPaths.EnumerateAssemblies(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add($"the folder {directory} cannot be listed: {e.Message}");
            return new ManifestVerification(false, problems, manifest);
        }

        var presentSet = new HashSet<string>(present, StringComparer.Ordinal);
        foreach (string file in present)
        {
            if (!expected.TryGetValue(file, out string? sha256))
            {
                problems.Add($"{file}: is not in the signed manifest — an assembly added after signing; remove it, or rewrite and sign the folder again");
                continue;
            }

            string actual;
            try
            {
                actual = ManifestPaths.Sha256OfFile(Path.Combine(directory, file));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                problems.Add($"{file}: cannot be read to check its hash: {e.Message}");
                continue;
            }

            if (!string.Equals(actual, sha256, StringComparison.OrdinalIgnoreCase))
            {
                problems.Add($"{file}: SHA-256 {actual} does not match the signed manifest ({sha256}) — the file was changed after signing");
            }
        }

        foreach (string file in expected.Keys.Where(f => !presentSet.Contains(f)).Order(StringComparer.Ordinal))
        {
            bool existsUnderOtherName = File.Exists(Path.Combine(directory, file));
            problems.Add(existsUnderOtherName
                ? $"{file}: is listed in the signed manifest but is not an assembly file name (.dll or .exe) — the manifest is not one privsep rewrite wrote"
                : $"{file}: is listed in the signed manifest but missing from the folder");
        }

        return new ManifestVerification(problems.Count == 0, problems, manifest);
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

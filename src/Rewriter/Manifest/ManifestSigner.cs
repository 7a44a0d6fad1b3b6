using System.Security.Cryptography;
using System.Text;

namespace PrivSep.Rewriter.Manifest;

/// <summary>
/// Writes <c>privsep.manifest.json</c> and its signature <c>privsep.manifest.sig</c>. The signature is ECDSA P-256 with
/// SHA-256 over the exact bytes of the manifest file, DER-encoded (RFC 3279 Ecdsa-Sig-Value, as OpenSSL writes it),
/// stored as one line of base64 text followed by a line feed. Check it by hand with
/// <c>base64 -d privsep.manifest.sig &gt; sig.der; openssl dgst -sha256 -verify KEY.pub.pem -signature sig.der privsep.manifest.json</c>.
/// Each file is written to a temporary file and renamed into place; the manifest first, so a reader that catches the
/// folder between the two renames sees a signature that does not match and refuses (fails closed).
/// </summary>
public static class ManifestSigner
{
    public const DSASignatureFormat SignatureFormat = DSASignatureFormat.Rfc3279DerSequence;

    /// <summary>Writes the manifest and, when a key is given, its signature; without a key any old signature is removed.</summary>
    /// <returns>The manifest bytes written.</returns>
    public static byte[] Write(string directory, RewriteManifest manifest, ECDsa? signingKey)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        byte[] bytes = ManifestJson.Serialize(manifest);
        string signaturePath = Path.Combine(directory, ManifestPaths.SignatureFileName);
        WriteAtomically(Path.Combine(directory, ManifestPaths.ManifestFileName), bytes);
        if (signingKey is null)
        {
            File.Delete(signaturePath);
        }
        else
        {
            WriteAtomically(signaturePath, Encoding.ASCII.GetBytes(Convert.ToBase64String(Sign(bytes, signingKey)) + "\n"));
        }

        return bytes;
    }

    public static byte[] Sign(ReadOnlySpan<byte> manifestBytes, ECDsa signingKey) =>
        signingKey.SignData(manifestBytes, HashAlgorithmName.SHA256, SignatureFormat);

    public static bool IsValidSignature(ReadOnlySpan<byte> manifestBytes, ReadOnlySpan<byte> signature, ECDsa publicKey) =>
        publicKey.VerifyData(manifestBytes, signature, HashAlgorithmName.SHA256, SignatureFormat);

    private static void WriteAtomically(string path, byte[] bytes)
    {
        string temp = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }
}

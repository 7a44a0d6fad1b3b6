using System.Security.Cryptography;

namespace PrivSep.Rewriter.Manifest;

/// <summary>
/// The manifest signing keys: ECDSA on NIST P-256. The private key is a PKCS#8 PEM (<c>-----BEGIN PRIVATE KEY-----</c>)
/// created with mode 0600 from the start (never readable by others, not even for an instant); the public key is a
/// SubjectPublicKeyInfo PEM (<c>-----BEGIN PUBLIC KEY-----</c>) named <c>&lt;name&gt;.pub.pem</c> beside it.
/// </summary>
public static class ManifestKeys
{
    private const string P256Oid = "1.2.840.10045.3.1.7";
    private const UnixFileMode PrivateKeyMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PublicKeyMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary><c>KEY.pem</c> → <c>KEY.pub.pem</c>; a name not ending in .pem gets <c>.pub.pem</c> appended.</summary>
    public static string PublicKeyPathFor(string privateKeyPemPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(privateKeyPemPath);
        return privateKeyPemPath.EndsWith(".pem", StringComparison.OrdinalIgnoreCase)
            ? privateKeyPemPath[..^".pem".Length] + ".pub.pem"
            : privateKeyPemPath + ".pub.pem";
    }

    /// <summary>Creates a new key pair; returns the public key's path.</summary>
    /// <param name="overwrite">Replace existing key files; without it an existing private or public key file is an error.</param>
    /// <exception cref="ManifestException">A key file exists (without <paramref name="overwrite"/>) or cannot be written.</exception>
    public static string Generate(string privateKeyPemPath, bool overwrite = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(privateKeyPemPath);
        string publicKeyPemPath = PublicKeyPathFor(privateKeyPemPath);
        if (!overwrite)
        {
            foreach (string existing in new[] { privateKeyPemPath, publicKeyPemPath }.Where(p => File.Exists(p) || Directory.Exists(p)))
            {
                throw new ManifestException($"{existing} already exists; refusing to overwrite a key (pass --force to replace it, or choose another --out)");
            }
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        try
        {
            WriteAtomically(privateKeyPemPath, key.ExportPkcs8PrivateKeyPem(), PrivateKeyMode, overwrite);
            WriteAtomically(publicKeyPemPath, key.ExportSubjectPublicKeyInfoPem(), PublicKeyMode, overwrite);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ManifestException($"cannot write the key {privateKeyPemPath}: {e.Message}", e);
        }

        return publicKeyPemPath;
    }

    /// <exception cref="ManifestException">Missing file, not a PEM private key, or not an ECDSA P-256 key.</exception>
    public static ECDsa LoadPrivate(string privateKeyPemPath)
    {
        var (label, der) = ReadPem(privateKeyPemPath, "private", "PRIVATE KEY", "EC PRIVATE KEY");
        if (label == "PUBLIC KEY")
        {
            throw new ManifestException($"{privateKeyPemPath} holds a public key; signing needs the private key (the .pem that privsep keygen wrote, not the .pub.pem)");
        }

        var key = ECDsa.Create();
        try
        {
            if (label == "EC PRIVATE KEY")
            {
                key.ImportECPrivateKey(der, out _);
            }
            else
            {
                key.ImportPkcs8PrivateKey(der, out _);
            }
        }
        catch (CryptographicException e)
        {
            key.Dispose();
            throw new ManifestException($"{privateKeyPemPath} is not an ECDSA private key (PrivSep signs with ECDSA P-256; create a key with privsep keygen --out {privateKeyPemPath})", e);
        }

        return CheckCurve(key, privateKeyPemPath);
    }

    /// <exception cref="ManifestException">Missing file, not a PEM public key, or not an ECDSA P-256 key.</exception>
    public static ECDsa LoadPublic(string publicKeyPemPath)
    {
        var (label, der) = ReadPem(publicKeyPemPath, "public", "PUBLIC KEY");
        var key = ECDsa.Create();
        try
        {
            key.ImportSubjectPublicKeyInfo(der, out _);
        }
        catch (CryptographicException e)
        {
            key.Dispose();
            throw new ManifestException($"{publicKeyPemPath} is not an ECDSA public key (PrivSep verifies ECDSA P-256 signatures; pass the .pub.pem that privsep keygen wrote)", e);
        }

        _ = label;
        return CheckCurve(key, publicKeyPemPath);
    }

    private static (string Label, byte[] Der) ReadPem(string path, string kind, params string[] expectedLabels)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ManifestException($"the {kind} key {path} does not exist" + (kind == "private" ? $"; create one with privsep keygen --out {path}" : "; pass the .pub.pem that privsep keygen wrote"), e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ManifestException($"the {kind} key {path} cannot be read: {e.Message}", e);
        }

        if (!PemEncoding.TryFind(text, out PemFields fields))
        {
            throw new ManifestException($"{path} is not a PEM file (expected -----BEGIN {expectedLabels[0]}-----)");
        }

        string label = text[fields.Label];
        if (label.Contains("PRIVATE KEY", StringComparison.Ordinal) && kind == "public")
        {
            throw new ManifestException($"{path} holds a private key; verification needs only the public key (pass {PublicKeyPathFor(path)}, and keep the private key off the host)");
        }

        if (!expectedLabels.Contains(label) && !(kind == "private" && label == "PUBLIC KEY"))
        {
            throw new ManifestException($"{path} holds a '{label}' PEM, not a {kind} key (expected -----BEGIN {expectedLabels[0]}-----)");
        }

        return (label, Convert.FromBase64String(text[fields.Base64Data]));
    }

    private static ECDsa CheckCurve(ECDsa key, string path)
    {
        var curve = key.ExportParameters(includePrivateParameters: false).Curve;
        if (curve.Oid?.Value != P256Oid)
        {
            string name = curve.Oid?.FriendlyName ?? curve.Oid?.Value ?? "an explicit curve";
            key.Dispose();
            throw new ManifestException($"{path} is an ECDSA key on {name}; PrivSep manifests are signed with P-256 (create a key with privsep keygen)");
        }

        return key;
    }

    /// <summary>Writes a new file with its final mode from creation, then renames it into place.</summary>
    internal static void WriteAtomically(string path, string text, UnixFileMode mode, bool overwrite)
    {
        string fullPath = Path.GetFullPath(path);
        string temp = Path.Combine(Path.GetDirectoryName(fullPath)!, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = mode };
            using (var stream = new FileStream(temp, options))
            using (var writer = new StreamWriter(stream))
            {
                writer.Write(text);
                writer.Flush();
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, fullPath, overwrite);
        }
        finally
        {
            File.Delete(temp);
        }
    }
}

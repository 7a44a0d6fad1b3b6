using System.Security.Cryptography;
using System.Text;
using PrivSep.Rewriter.Manifest;

namespace PrivSep.Cli.Tests;

/// <summary>The host's load-time check: signature, hashes, nothing missing, nothing extra.</summary>
[TestClass]
public sealed class ManifestVerifierTests
{
    [TestMethod]
    public void SignedUntouchedFolderIsValid()
    {
        using var dir = new TempDirectory();
        using var key = SignedFolder.NewKey();
        SignedFolder.Create(dir.Root, key, "A.dll", "sub/B.exe");

        var verification = ManifestVerifier.VerifyFolder(dir.Root, key);

        Assert.IsTrue(verification.IsValid, string.Join("\n", verification.Problems));
        Assert.HasCount(2, verification.Manifest!.Assemblies);
    }

    [TestMethod]
    public void SignatureFileIsBase64DerThatOpenSslFormatAccepts()
    {
        using var dir = new TempDirectory();
        using var key = SignedFolder.NewKey();
        SignedFolder.Create(dir.Root, key, "A.dll");

        string text = File.ReadAllText(dir.PathOf(ManifestPaths.SignatureFileName));
        byte[] der = Convert.FromBase64String(text.Trim());

        Assert.EndsWith("\n", text);
        Assert.AreEqual(0x30, der[0], "an ASN.1 SEQUENCE (Ecdsa-Sig-Value)");
        Assert.IsTrue(key.VerifyData(File.ReadAllBytes(dir.PathOf(ManifestPaths.ManifestFileName)), der, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
    }

    [TestMethod]
    public void TamperedAssemblyByteFailsNamingTheFile()
    {
        using var dir = new TempDirectory();
        using var key = SignedFolder.NewKey();
        SignedFolder.Create(dir.Root, key, "A.dll", "sub/B.dll");
        byte[] bytes = File.ReadAllBytes(dir.PathOf("sub", "B.dll"));
        bytes[100] ^= 1;
        File.WriteAllBytes(dir.PathOf("sub", "B.dll"), bytes);

        var verification = ManifestVerifier.VerifyFolder(dir.Root, key);

        Assert.IsFalse(verification.IsValid);
        Assert.HasCount(1, verification.Problems);
        StringAssert.StartsWith(verification.Problems[0], "sub/B.dll: SHA-256");
    }

    [TestMethod]
    public void TamperedManifestFailsTheSignature()
    {
        using var dir = new TempDirectory();
        using var key = SignedFolder.NewKey();
        SignedFolder.Create(dir.Root, key, "A.dll");
        string manifestPath = dir.PathOf(ManifestPaths.ManifestFileName);
        File.WriteAllText(manifestPath, File.ReadAllText(manifestPath).Replace("\"toolVersion\": \"1.0.0\"", "\"toolVersion\": \"1.0.1\""));

        var verification = ManifestVerifier.VerifyFolder(dir.Root, key);

        Assert.IsFalse(verification.IsValid);
        Assert.IsNull(verification.Manifest);
        StringAssert.Contains(verification.Problems[0], "the signature does not match");
    }

    [TestMethod]
    public void ExtraAssemblyFails()
    {
        using var dir = new TempDirectory();
        using var key = SignedFolder.NewKey();
        SignedFolder.Create(dir.Root, key, "A.dll");
        dir.Write("Evil.dll", [1]);
        dir.Write("deep/.hidden.DLL", [2]);

        var verification = ManifestVerifier.VerifyFolder(dir.Root, key);

        Assert.IsFalse(verification.IsValid);
        Assert.HasCount(2, verification.Problems);
        Assert.IsTrue(verification.Problems.Any(p => p.StartsWith("Evil.dll: is not in the signed manifest", StringComparison.Ordinal)));
        Assert.IsTrue(verification.Problems.Any(p => p.StartsWith("deep/.hidden.DLL: is not in the signed manifest", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void MissingAssemblyFails()
    {
        using var dir = new TempDirectory();
        using var key = SignedFolder.NewKey();
        SignedFolder.Create(dir.Root, key, "A.dll", "B.dll");
        File.Delete(dir.PathOf("B.dll"));

        var verification = ManifestVerifier.VerifyFolder(dir.Root, key);

        Assert.IsFalse(verification.IsValid);
        Assert.AreEqual("B.dll: is listed in the signed manifest but missing from the folder", verification.Problems.Single());
    }

    [TestMethod]
    public void WrongKeyFails()
    {
        using var dir = new TempDirectory();
        using var key = SignedFolder.NewKey();
        using var other = SignedFolder.NewKey();
        SignedFolder.Create(dir.Root, key, "A.dll");

        var verification = ManifestVerifier.VerifyFolder(dir.Root, other);

        Assert.IsFalse(verification.IsValid);
        StringAssert.Contains(verification.Problems.Single(), "signed with another key");
    }

    [TestMethod]
    public void MissingSignatureFails()
    {
        using var dir = new TempDirectory();
        using var key = SignedFolder.NewKey();
        SignedFolder.Create(dir.Root, key, "A.dll");
        File.Delete(dir.PathOf(ManifestPaths.SignatureFileName));

        var verification = ManifestVerifier.VerifyFolder(dir.Root, key);

        Assert.IsFalse(verification.IsValid);
        StringAssert.Contains(verification.Problems.Single(), "privsep.manifest.sig is missing");
    }

    [TestMethod]
    public void SignedEntryOutsideTheFolderIsRefused()
    {
        using var dir = new TempDirectory();
        using var key = SignedFolder.NewKey();
        var manifest = SignedFolder.Create(dir.Root, key, "A.dll");
        ManifestSigner.Write(dir.Root, manifest with { Runtime = [new ManifestRuntimeFile("../x.dll", "00")] }, key);

        var verification = ManifestVerifier.VerifyFolder(dir.Root, key);

        Assert.IsFalse(verification.IsValid);
        StringAssert.Contains(string.Join("\n", verification.Problems), "'../x.dll' is not a relative path inside the folder");
    }

    [TestMethod]
    public void GarbageSignatureFails()
    {
        using var dir = new TempDirectory();
        using var key = SignedFolder.NewKey();
        SignedFolder.Create(dir.Root, key, "A.dll");
        File.WriteAllText(dir.PathOf(ManifestPaths.SignatureFileName), "not base64 !!\n", Encoding.ASCII);

        var verification = ManifestVerifier.VerifyFolder(dir.Root, key);

        Assert.IsFalse(verification.IsValid);
        StringAssert.Contains(verification.Problems.Single(), "not a base64 signature");
    }
}

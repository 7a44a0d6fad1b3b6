using System.Security.Cryptography;
using PrivSep.Rewriter.Manifest;

namespace PrivSep.Cli.Tests;

/// <summary>privsep keygen and the key loaders' errors.</summary>
[TestClass]
public sealed class KeyTests
{
    [TestMethod]
    public async Task KeygenWritesA0600PrivateKeyAndAPublicKeyBesideIt()
    {
        using var dir = new TempDirectory();
        string keyPath = dir.PathOf("signing.pem");

        var run = await Cli.RunAsync("keygen", "--out", keyPath);

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        Assert.AreEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyPath));
        Assert.IsTrue(File.Exists(dir.PathOf("signing.pub.pem")));
        StringAssert.StartsWith(File.ReadAllText(keyPath), "-----BEGIN PRIVATE KEY-----");
        using var privateKey = ManifestKeys.LoadPrivate(keyPath);
        using var publicKey = ManifestKeys.LoadPublic(dir.PathOf("signing.pub.pem"));
        byte[] signature = privateKey.SignData(new byte[] { 1, 2, 3 }, HashAlgorithmName.SHA256);
        Assert.IsTrue(publicKey.VerifyData(new byte[] { 1, 2, 3 }, signature, HashAlgorithmName.SHA256));
        Assert.AreEqual(string.Empty, run.Error);
    }

    [TestMethod]
    public async Task KeygenRefusesToOverwriteUnlessForced()
    {
        using var dir = new TempDirectory();
        string keyPath = dir.PathOf("k.pem");
        Assert.AreEqual(0, (await Cli.RunAsync("keygen", "--out", keyPath)).ExitCode);
        string before = File.ReadAllText(keyPath);

        var refused = await Cli.RunAsync("keygen", "--out", keyPath);
        var forced = await Cli.RunAsync("keygen", "--out", keyPath, "--force");

        Assert.AreEqual(2, refused.ExitCode, refused.ToString());
        StringAssert.Contains(refused.Error, "already exists");
        StringAssert.Contains(refused.Error, "--force");
        Assert.AreEqual(0, forced.ExitCode, forced.ToString());
        Assert.AreNotEqual(before, File.ReadAllText(keyPath));
        Assert.AreEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyPath));
        Assert.HasCount(2, Directory.GetFiles(dir.Root), "no temporary files left behind");
    }

    [TestMethod]
    public async Task KeygenRefusesWhenOnlyThePublicKeyExists()
    {
        using var dir = new TempDirectory();
        dir.Write("k.pub.pem", [1]);

        var run = await Cli.RunAsync("keygen", "--out", dir.PathOf("k.pem"));

        Assert.AreEqual(2, run.ExitCode);
        Assert.IsFalse(File.Exists(dir.PathOf("k.pem")));
    }

    [TestMethod]
    public void MissingKeySaysHowToCreateOne()
    {
        var error = Assert.ThrowsExactly<ManifestException>(() => ManifestKeys.LoadPrivate("/nonexistent/k.pem"));
        StringAssert.Contains(error.Message, "/nonexistent/k.pem does not exist");
        StringAssert.Contains(error.Message, "privsep keygen");
    }

    [TestMethod]
    public void NotAPemIsNamed()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("k.pem", [1, 2, 3]);

        var error = Assert.ThrowsExactly<ManifestException>(() => ManifestKeys.LoadPublic(path));
        StringAssert.Contains(error.Message, "is not a PEM file");
    }

    [TestMethod]
    public void RsaKeyIsRefused()
    {
        using var dir = new TempDirectory();
        using var rsa = RSA.Create(2048);
        string privatePath = dir.PathOf("rsa.pem");
        string publicPath = dir.PathOf("rsa.pub.pem");
        File.WriteAllText(privatePath, rsa.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(publicPath, rsa.ExportSubjectPublicKeyInfoPem());

        StringAssert.Contains(Assert.ThrowsExactly<ManifestException>(() => ManifestKeys.LoadPrivate(privatePath)).Message, "is not an ECDSA private key");
        StringAssert.Contains(Assert.ThrowsExactly<ManifestException>(() => ManifestKeys.LoadPublic(publicPath)).Message, "is not an ECDSA public key");
    }

    [TestMethod]
    public void OtherCurveIsRefused()
    {
        using var dir = new TempDirectory();
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        string path = dir.PathOf("p384.pub.pem");
        File.WriteAllText(path, p384.ExportSubjectPublicKeyInfoPem());

        StringAssert.Contains(Assert.ThrowsExactly<ManifestException>(() => ManifestKeys.LoadPublic(path)).Message, "signed with P-256");
    }

    [TestMethod]
    public void SwappedKeysAreExplained()
    {
        using var dir = new TempDirectory();
        string privatePath = dir.PathOf("k.pem");
        string publicPath = ManifestKeys.Generate(privatePath);

        StringAssert.Contains(Assert.ThrowsExactly<ManifestException>(() => ManifestKeys.LoadPublic(privatePath)).Message, "holds a private key");
        StringAssert.Contains(Assert.ThrowsExactly<ManifestException>(() => ManifestKeys.LoadPrivate(publicPath)).Message, "holds a public key");
    }
}

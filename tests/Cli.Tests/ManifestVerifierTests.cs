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
        ManifestSigner.Write(dir.Root, manifest with { Files = [.. manifest.Files, new ManifestFile("../x.dll", "00")] }, key);

        var verification = ManifestVerifier.VerifyFolder(dir.Root, key);

        Assert.IsFalse(verification.IsValid);
        StringAssert.Contains(string.Join("\n", verification.Problems), "'../x.dll' is not a relative path inside the folder");
    }

    [TestMethod]
    public void UntouchedFolderWithNativeLibrariesAndOtherFilesIsValid()
    {
        using var dir = new TempDirectory();
        using var key = SignedFolder.NewKey();
        SignedFolder.Create(dir.Root, key, "A.dll", "libnative.so", "run.sh", "runtimes/linux-x64/native/libfoo.so", "de/A.resources.dll", ".hidden");

        var verification = ManifestVerifier.VerifyFolder(dir.Root, key);

        Assert.IsTrue(verification.IsValid, string.Join("\n", verification.Problems));
        Assert.HasCount(6, verification.Manifest!.Files);
    }

    [TestMethod]
    public void BytesAppendedToANativeLibraryFail()
    {
        using var dir = new TempDirectory();
        using var key = SignedFolder.NewKey();
        SignedFolder.Create(dir.Root, key, "A.dll", "libnative.so");
        using (var stream = new FileStream(dir.PathOf("libnative.so"), FileMode.Append))
        {
            stream.Write([0x90, 0x90]);
        }

        var verification = ManifestVerifier.VerifyFolder(dir.Root, key);

        Assert.IsFalse(verification.IsValid);
        StringAssert.StartsWith(verification.Problems.Single(), "libnative.so: SHA-256");
    }

    [TestMethod]
    public void AddedNativeLibraryAndScriptFail()
    {
        using var dir = new TempDirectory();
        using var key = SignedFolder.NewKey();
        SignedFolder.Create(dir.Root, key, "A.dll", "libnative.so");
        dir.Write("libextra.so", [0x7F, (byte)'E', (byte)'L', (byte)'F']);
        dir.Write("extra.sh", "#!/bin/sh\nid\n"u8.ToArray());

        var verification = ManifestVerifier.VerifyFolder(dir.Root, key);

        Assert.IsFalse(verification.IsValid);
        Assert.HasCount(2, verification.Problems);
        Assert.IsTrue(verification.Problems.Any(p => p.StartsWith("libextra.so: is not in the signed manifest", StringComparison.Ordinal)), string.Join("\n", verification.Problems));
        Assert.IsTrue(verification.Problems.Any(p => p.StartsWith("extra.sh: is not in the signed manifest", StringComparison.Ordinal)), string.Join("\n", verification.Problems));
    }

    [TestMethod]
    public void AFileWhoseNameHasABackslashIsNotTakenForThePinnedFileOfThatPath()
    {
        // On Linux '\' is an ordinary character of a file name: "sub\libx.so" is another file than "sub/libx.so".
        using var dir = new TempDirectory();
        using var key = SignedFolder.NewKey();
        SignedFolder.Create(dir.Root, key, "A.dll", "sub/libx.so");
        dir.Write("sub\\libx.so", [0x7F, (byte)'E', (byte)'L', (byte)'F', 0x66]);

        var verification = ManifestVerifier.VerifyFolder(dir.Root, key);

        Assert.IsFalse(verification.IsValid, "an unsigned file slipped in under a pinned file's name");
        string problem = verification.Problems.Single();
        Assert.IsTrue(problem.StartsWith("sub\\libx.so: is not in the signed manifest", StringComparison.Ordinal), problem);
    }

    [TestMethod]
    public void RemovedNonAssemblyFileFails()
    {
        using var dir = new TempDirectory();
        using var key = SignedFolder.NewKey();
        SignedFolder.Create(dir.Root, key, "A.dll", "config/settings.json");
        File.Delete(dir.PathOf("config", "settings.json"));

        var verification = ManifestVerifier.VerifyFolder(dir.Root, key);

        Assert.IsFalse(verification.IsValid);
        Assert.AreEqual("config/settings.json: is listed in the signed manifest but missing from the folder", verification.Problems.Single());
    }

    [TestMethod]
    public void TamperedFileInASubfolderFails()
    {
        using var dir = new TempDirectory();
        using var key = SignedFolder.NewKey();
        SignedFolder.Create(dir.Root, key, "A.dll", "runtimes/linux-x64/native/libfoo.so");
        byte[] bytes = File.ReadAllBytes(dir.PathOf("runtimes", "linux-x64", "native", "libfoo.so"));
        bytes[7] ^= 1;
        File.WriteAllBytes(dir.PathOf("runtimes", "linux-x64", "native", "libfoo.so"), bytes);

        var verification = ManifestVerifier.VerifyFolder(dir.Root, key);

        Assert.IsFalse(verification.IsValid);
        StringAssert.StartsWith(verification.Problems.Single(), "runtimes/linux-x64/native/libfoo.so: SHA-256");
    }

    [TestMethod]
    public void SymbolicLinksAreRefusedEvenToTheSignedBytes()
    {
        using var dir = new TempDirectory();
        using var outside = new TempDirectory();
        using var key = SignedFolder.NewKey();
        SignedFolder.Create(dir.Root, key, "A.dll", "libnative.so", "lib/libfoo.so");
        // The same bytes, moved out of the folder and linked back: the hash would match, but what is loaded lies outside.
        File.Move(dir.PathOf("libnative.so"), outside.PathOf("libnative.so"));
        File.CreateSymbolicLink(dir.PathOf("libnative.so"), outside.PathOf("libnative.so"));
        Directory.Move(dir.PathOf("lib"), outside.PathOf("lib"));
        Directory.CreateSymbolicLink(dir.PathOf("lib"), outside.PathOf("lib"));

        var verification = ManifestVerifier.VerifyFolder(dir.Root, key);

        Assert.IsFalse(verification.IsValid);
        string problems = string.Join("\n", verification.Problems);
        StringAssert.Contains(problems, "libnative.so: is a symbolic link");
        StringAssert.Contains(problems, "lib: is a symbolic link");
    }

    [TestMethod]
    public void SpecialFileIsRefusedWithoutBeingOpened()
    {
        using var dir = new TempDirectory();
        using var key = SignedFolder.NewKey();
        SignedFolder.Create(dir.Root, key, "A.dll");
        // Opening a FIFO for reading would block until a writer comes: verification must judge it from its type alone.
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [dir.PathOf("pipe")]))
        {
            mkfifo.WaitForExit();
            Assert.AreEqual(0, mkfifo.ExitCode);
        }

        var verification = ManifestVerifier.VerifyFolder(dir.Root, key);

        Assert.IsFalse(verification.IsValid);
        StringAssert.StartsWith(verification.Problems.Single(), "pipe: is not a regular file");
    }

    [TestMethod]
    public void AssemblyEntryMissingFromTheFileListIsRefused()
    {
        using var dir = new TempDirectory();
        using var key = SignedFolder.NewKey();
        var manifest = SignedFolder.Create(dir.Root, key, "A.dll", "B.dll");
        ManifestSigner.Write(dir.Root, manifest with { Files = manifest.Files.Where(f => f.File != "B.dll").ToList() }, key);

        var verification = ManifestVerifier.VerifyFolder(dir.Root, key);

        Assert.IsFalse(verification.IsValid);
        StringAssert.Contains(string.Join("\n", verification.Problems), "B.dll: is listed as an assembly but not in the manifest's file list");
    }

    [TestMethod]
    public void ManifestNamingItselfIsRefused()
    {
        using var dir = new TempDirectory();
        using var key = SignedFolder.NewKey();
        var manifest = SignedFolder.Create(dir.Root, key, "A.dll");
        ManifestSigner.Write(dir.Root, manifest with { Files = [.. manifest.Files, new ManifestFile(ManifestPaths.SignatureFileName, new string('0', 64))] }, key);

        var verification = ManifestVerifier.VerifyFolder(dir.Root, key);

        Assert.IsFalse(verification.IsValid);
        StringAssert.Contains(string.Join("\n", verification.Problems), $"the entry '{ManifestPaths.SignatureFileName}' names the manifest or its signature");
    }

    [TestMethod]
    public void SignedManifestOfFormatVersion1IsRefusedWithTheFix()
    {
        using var dir = new TempDirectory();
        using var key = SignedFolder.NewKey();
        var manifest = SignedFolder.Create(dir.Root, key, "A.dll", "libnative.so");
        // What privsep before format version 2 wrote: no file list, so libnative.so was covered by nothing.
        var json = System.Text.Json.Nodes.JsonNode.Parse(ManifestJson.Serialize(manifest))!.AsObject();
        json["formatVersion"] = 1;
        json.Remove("files");
        byte[] bytes = Encoding.UTF8.GetBytes(json.ToJsonString());
        File.WriteAllBytes(dir.PathOf(ManifestPaths.ManifestFileName), bytes);
        File.WriteAllText(dir.PathOf(ManifestPaths.SignatureFileName), Convert.ToBase64String(ManifestSigner.Sign(bytes, key)) + "\n");

        var verification = ManifestVerifier.VerifyFolder(dir.Root, key);

        Assert.IsFalse(verification.IsValid);
        string problem = verification.Problems.Single();
        StringAssert.Contains(problem, "format version 1");
        StringAssert.Contains(problem, "re-run privsep rewrite");
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

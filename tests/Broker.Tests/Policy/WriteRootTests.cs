namespace PrivSep.Broker.Tests.Policy;

/// <summary>
/// Where a write is resolved from: the broker opens the write root and resolves the rest beneath
/// it, so a wrong split would let a write escape its sandbox.
/// </summary>
[TestClass]
public sealed class WriteRootTests
{
    [TestMethod]
    public void WriteRootsAreTheLiteralDirectoryPrefixOfEachWriteGlob()
    {
        var policy = TestPolicies.Files(write:
        [
            "/var/lib/privsep/sandbox/**",
            "/var/lib/privsep/sandbox/*.tmp",
            "/srv/*/uploads/**",
            "/var/lib/app/state.json",
        ]);

        CollectionAssert.AreEqual(
            new[] { "/var/lib/privsep/sandbox", "/srv", "/var/lib/app" },
            policy.WriteRoots.ToArray());
    }

    [TestMethod]
    public void AMissingWriteRootIsReportedOnceNamingTheFirstRuleThatHasIt()
    {
        string existing = Directory.CreateTempSubdirectory("privsep-write-root-").FullName;
        try
        {
            string missing = Path.Combine(existing, "no-such-sandbox");
            var policy = TestPolicies.Files(write: [$"{existing}/**", $"{missing}/**", $"{missing}/*.tmp"]);

            var warnings = policy.MissingWriteRoots();

            Assert.AreEqual(1, warnings.Count, string.Join("\n", warnings));
            StringAssert.Contains(warnings[0], $"files.write[1] \"{missing}/**\"");
            StringAssert.Contains(warnings[0], $"'{missing}' is not an existing directory");
        }
        finally
        {
            Directory.Delete(existing);
        }
    }

    [TestMethod]
    [DataRow("/sandbox", "")]
    [DataRow("/sandbox/x", "x")]
    [DataRow("/sandbox/a/b/c", "a/b/c")]
    public void PathInsideARootIsSplitIntoRootAndRelativePath(string path, string expectedRelative)
    {
        var policy = TestPolicies.Files(write: ["/sandbox/**"]);

        Assert.IsTrue(policy.TryGetWriteRoot(path, out var root, out var relative));
        Assert.AreEqual("/sandbox", root);
        Assert.AreEqual(expectedRelative, relative);
    }

    [TestMethod]
    [DataRow("/sandbox-evil/x", DisplayName = "a sibling sharing the name prefix")]
    [DataRow("/sandbox-evil")]
    [DataRow("/sandboxx")]
    [DataRow("/")]
    [DataRow("/etc/passwd")]
    [DataRow("/sandbox/", DisplayName = "trailing slash")]
    [DataRow("/sandbox/x/", DisplayName = "trailing slash below the root")]
    [DataRow("/sandbox/../etc/passwd")]
    [DataRow("/sandbox//x")]
    [DataRow("sandbox/x")]
    public void PathOutsideEveryRootOrNotNormalizedHasNoRoot(string path)
    {
        var policy = TestPolicies.Files(write: ["/sandbox/**"]);

        Assert.IsFalse(policy.TryGetWriteRoot(path, out _, out _), path);
    }

    [TestMethod]
    public void NestedRootsPickTheLongest()
    {
        // Listed shortest first, to show that order in the policy does not matter.
        var policy = TestPolicies.Files(write: ["/srv/**", "/srv/app/data/**", "/srv/app/**"]);

        Assert.IsTrue(policy.TryGetWriteRoot("/srv/app/data/x/y", out var root, out var relative));
        Assert.AreEqual("/srv/app/data", root);
        Assert.AreEqual("x/y", relative);

        Assert.IsTrue(policy.TryGetWriteRoot("/srv/app/database", out root, out relative));
        Assert.AreEqual("/srv/app", root, "\"/srv/app/database\" is not under \"/srv/app/data\"");
        Assert.AreEqual("database", relative);

        Assert.IsTrue(policy.TryGetWriteRoot("/srv/other", out root, out relative));
        Assert.AreEqual("/srv", root);
        Assert.AreEqual("other", relative);
    }

    [TestMethod]
    public void DuplicateRootsAreListedOnce()
    {
        var policy = TestPolicies.Files(write: ["/sandbox/**", "/sandbox/*.log", "/sandbox/**"]);

        CollectionAssert.AreEqual(new[] { "/sandbox" }, policy.WriteRoots.ToArray());
    }
}

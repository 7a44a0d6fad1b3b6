namespace PrivSep.Broker.Tests.Policy;

/// <summary>What a files.read glob lets an agent read, including paths built to slip past it.</summary>
[TestClass]
public sealed class PathGlobMatchingTests
{
    [TestMethod]
    [DataRow("/sandbox", true, DisplayName = "the directory itself")]
    [DataRow("/sandbox/a", true)]
    [DataRow("/sandbox/a/b/c", true, DisplayName = "any depth below")]
    [DataRow("/sandbox-evil/x", false, DisplayName = "a sibling sharing the prefix is not inside")]
    [DataRow("/sandbox-evil", false)]
    [DataRow("/sandboxx", false)]
    [DataRow("/", false)]
    [DataRow("/other/sandbox/a", false)]
    public void DoubleStarMatchesTheDirectoryAndEverythingBelowIt(string path, bool allowed)
    {
        var policy = TestPolicies.Files(read: ["/sandbox/**"]);

        Assert.AreEqual(allowed, policy.CheckRead(path).Allowed, path);
    }

    [TestMethod]
    [DataRow("/var/log/syslog", true)]
    [DataRow("/var/log/.hidden", true, DisplayName = "* also matches names starting with a dot")]
    [DataRow("/var/log/nginx/access.log", false, DisplayName = "* does not cross '/'")]
    [DataRow("/var/log", false)]
    public void StarMatchesWithinOneSegment(string path, bool allowed)
    {
        var policy = TestPolicies.Files(read: ["/var/log/*"]);

        Assert.AreEqual(allowed, policy.CheckRead(path).Allowed, path);
    }

    [TestMethod]
    [DataRow("/var/log/app.log", true)]
    [DataRow("/var/log/app-2024.log", true)]
    [DataRow("/var/log/app.log.1", false)]
    [DataRow("/var/log/x/app.log", false)]
    public void StarMatchesPartOfASegment(string path, bool allowed)
    {
        var policy = TestPolicies.Files(read: ["/var/log/app*.log"]);

        Assert.AreEqual(allowed, policy.CheckRead(path).Allowed, path);
    }

    [TestMethod]
    [DataRow("/data/file1", true)]
    [DataRow("/data/fileX", true)]
    [DataRow("/data/file", false, DisplayName = "? needs exactly one character")]
    [DataRow("/data/file12", false)]
    public void QuestionMarkMatchesOneCharacter(string path, bool allowed)
    {
        var policy = TestPolicies.Files(read: ["/data/file?"]);

        Assert.AreEqual(allowed, policy.CheckRead(path).Allowed, path);
    }

    [TestMethod]
    public void QuestionMarkDoesNotMatchASlash()
    {
        var policy = TestPolicies.Files(read: ["/data/a?b"]);

        Assert.IsFalse(policy.CheckRead("/data/a/b").Allowed);
        Assert.IsTrue(policy.CheckRead("/data/a_b").Allowed);
    }

    [TestMethod]
    [DataRow("/srv/www/site1/logs/access.log", true)]
    [DataRow("/srv/www/logs/access.log", true, DisplayName = "** in the middle matches zero segments")]
    [DataRow("/srv/www/a/b/c/logs/error.log", true)]
    [DataRow("/srv/www/a/b/c/logs/sub/error.log", false)]
    [DataRow("/srv/www/a/logs/notes.txt", false)]
    public void DoubleStarInTheMiddleMatchesAnyNumberOfSegments(string path, bool allowed)
    {
        var policy = TestPolicies.Files(read: ["/srv/www/**/logs/*.log"]);

        Assert.AreEqual(allowed, policy.CheckRead(path).Allowed, path);
    }

    [TestMethod]
    public void LiteralGlobMatchesOnlyThatPath()
    {
        var policy = TestPolicies.Files(read: ["/etc/mysql/debian.cnf"]);

        Assert.IsTrue(policy.CheckRead("/etc/mysql/debian.cnf").Allowed);
        Assert.IsFalse(policy.CheckRead("/etc/mysql/debian.cnf.bak").Allowed);
        Assert.IsFalse(policy.CheckRead("/etc/mysql").Allowed);
        Assert.IsFalse(policy.CheckRead("/ETC/mysql/debian.cnf").Allowed, "paths are case-sensitive");
    }

    [TestMethod]
    [DataRow("/sandbox/../etc/shadow")]
    [DataRow("/sandbox/..")]
    [DataRow("/sandbox/./x")]
    [DataRow("/sandbox/.")]
    [DataRow("/sandbox//x")]
    [DataRow("//sandbox/x")]
    [DataRow("/sandbox/x/")]
    [DataRow("/sandbox/")]
    [DataRow("sandbox/x")]
    [DataRow("")]
    [DataRow("/sandbox/x\0/etc/shadow")]
    public void PathsThatAreNotNormalizedNeverMatch(string path)
    {
        // Even a rule that would match everything must not accept them: the matcher fails closed.
        var policy = TestPolicies.Files(read: ["/sandbox/**", "/**"], write: ["/sandbox/**"]);

        var read = policy.CheckRead(path);
        var write = policy.CheckWrite(path);

        Assert.IsFalse(read.Allowed, path);
        Assert.IsFalse(write.Allowed, path);
        Assert.Contains("not a normalized absolute path", read.Rule);
    }

    [TestMethod]
    public void ARootGlobMatchesEveryNormalizedPath()
    {
        var policy = TestPolicies.Files(read: ["/**"]);

        Assert.IsTrue(policy.CheckRead("/").Allowed);
        Assert.IsTrue(policy.CheckRead("/etc/passwd").Allowed);
        Assert.IsFalse(policy.CheckRead("/etc/../etc/passwd").Allowed);
    }

    [TestMethod]
    public void BacktrackingOverManyDoubleStarsStaysCorrect()
    {
        var policy = TestPolicies.Files(read: ["/a/**/b/**/c/**/d"]);

        Assert.IsTrue(policy.CheckRead("/a/b/c/d").Allowed);
        Assert.IsTrue(policy.CheckRead("/a/x/b/y/b/c/z/c/d").Allowed);
        Assert.IsFalse(policy.CheckRead("/a/b/c/d/e").Allowed);
        Assert.IsFalse(policy.CheckRead("/a/c/b/d").Allowed);
    }
}

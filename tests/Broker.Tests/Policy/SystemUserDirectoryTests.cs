using PrivSep.Broker.Policy;

namespace PrivSep.Broker.Tests.Policy;

/// <summary>The real user database, through getpwnam_r.</summary>
[TestClass]
public sealed class SystemUserDirectoryTests
{
    [TestMethod]
    public void RootIsUidZero()
    {
        var users = new SystemUserDirectory();

        Assert.IsTrue(users.TryGetUid("root", out var uid));
        Assert.AreEqual(0u, uid);
        Assert.IsTrue(users.TryGetPrimaryGid("root", out var gid));
        Assert.AreEqual(0u, gid);
    }

    [TestMethod]
    [DataRow("privsep-no-such-user-7f3a")]
    [DataRow("root\0x", DisplayName = "an embedded NUL does not look up \"root\"")]
    [DataRow("")]
    public void UnknownUserIsNotFound(string name)
    {
        var users = new SystemUserDirectory();

        Assert.IsFalse(users.TryGetUid(name, out _));
    }

    [TestMethod]
    public void PolicyNamingRootLoadsWithTheSystemDirectory()
    {
        var policy = BrokerPolicy.Parse("""{ "version": 1, "agents": { "users": ["root"] } }""", "policy.json", new SystemUserDirectory());

        CollectionAssert.AreEqual(new uint[] { 0 }, policy.AllowedUids.ToArray());
    }
}

using PrivSep.Protocol.Handshake;

namespace PrivSep.Protocol.Tests;

[TestClass]
public sealed class SharedSecretTests
{
    private string directory = null!;

    [TestInitialize]
    public void Create() => this.directory = Directory.CreateTempSubdirectory("privsep-secret-").FullName;

    [TestCleanup]
    public void Remove() => Directory.Delete(this.directory, recursive: true);

    [TestMethod]
    public void A_missing_secret_file_names_the_file_and_how_to_create_it()
    {
        string path = Path.Combine(this.directory, "agent.secret");
        var ex = Assert.ThrowsExactly<SharedSecretException>(() => SharedSecret.Load(path));
        StringAssert.Contains(ex.Message, path);
        StringAssert.Contains(ex.Message, "head -c 32 /dev/urandom");
    }

    [TestMethod]
    public void A_short_secret_is_refused()
    {
        string path = Path.Combine(this.directory, "agent.secret");
        File.WriteAllText(path, "short\n");
        var ex = Assert.ThrowsExactly<SharedSecretException>(() => SharedSecret.Load(path));
        StringAssert.Contains(ex.Message, "at least 32");
    }

    [TestMethod]
    public void The_broker_refuses_a_secret_others_can_read_but_the_agent_side_does_not_check_modes()
    {
        string path = Path.Combine(this.directory, "agent.secret");
        File.WriteAllText(path, new string('k', 44));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        var ex = Assert.ThrowsExactly<SharedSecretException>(() => SharedSecret.Load(path, requirePrivateMode: true));
        StringAssert.Contains(ex.Message, "chmod 0640");
        Assert.IsNotNull(SharedSecret.Load(path));
    }
}

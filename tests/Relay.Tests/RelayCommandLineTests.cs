namespace PrivSep.Relay.Tests;

[TestClass]
public sealed class RelayCommandLineTests
{
    [TestMethod]
    public void CommandAfterTheSeparator()
    {
        var parsed = RelayCommandLine.Parse(["--", "/usr/bin/head", "-c", "64", "/etc/shadow"]);

        Assert.AreEqual("/usr/bin/head", parsed.Path);
        CollectionAssert.AreEqual(new[] { "-c", "64", "/etc/shadow" }, parsed.Arguments.ToArray());
        Assert.IsNull(parsed.Plugin);
        Assert.IsFalse(parsed.HelpRequested);
        Assert.IsFalse(parsed.RelaysStdin, "the relay's stdin is left alone unless asked for");
    }

    [TestMethod]
    public void StdinIsRelayedWhenAskedFor()
    {
        var parsed = RelayCommandLine.Parse(["--plugin", "DiskHealth", "--stdin", "--", "/usr/bin/wc", "-c"]);

        Assert.IsTrue(parsed.RelaysStdin);
        Assert.AreEqual("DiskHealth", parsed.Plugin);
        Assert.AreEqual("/usr/bin/wc", parsed.Path);
    }

    [TestMethod]
    public void PluginNameBeforeTheSeparator()
    {
        var parsed = RelayCommandLine.Parse(["--plugin", "DiskHealth", "--", "/usr/sbin/smartctl", "-a", "/dev/sda"]);

        Assert.AreEqual("DiskHealth", parsed.Plugin);
        Assert.AreEqual("/usr/sbin/smartctl", parsed.Path);
        CollectionAssert.AreEqual(new[] { "-a", "/dev/sda" }, parsed.Arguments.ToArray());
    }

    [TestMethod]
    public void ArgumentsOfTheCommandAreNeverOptionsOfTheRelay()
    {
        var parsed = RelayCommandLine.Parse(["--", "/bin/echo", "--plugin", "x", "--stdin", "--", "--help", ""]);

        Assert.AreEqual("/bin/echo", parsed.Path);
        CollectionAssert.AreEqual(new[] { "--plugin", "x", "--stdin", "--", "--help", "" }, parsed.Arguments.ToArray());
        Assert.IsNull(parsed.Plugin);
        Assert.IsFalse(parsed.HelpRequested);
        Assert.IsFalse(parsed.RelaysStdin);
    }

    [TestMethod]
    public void CommandWithoutArguments()
    {
        var parsed = RelayCommandLine.Parse(["--", "/usr/bin/id"]);

        Assert.AreEqual("/usr/bin/id", parsed.Path);
        Assert.IsEmpty(parsed.Arguments);
    }

    [TestMethod]
    [DataRow("--help")]
    [DataRow("-h")]
    public void Help(string option) => Assert.IsTrue(RelayCommandLine.Parse([option]).HelpRequested);

    [TestMethod]
    [DataRow(new string[0], "no command: put it after '--'")]
    [DataRow(new[] { "/usr/bin/id" }, "unknown option '/usr/bin/id'")]
    [DataRow(new[] { "--plugin", "p" }, "no command: put it after '--'")]
    [DataRow(new[] { "--plugin" }, "--plugin needs a value")]
    [DataRow(new[] { "--verbose", "--", "/usr/bin/id" }, "unknown option '--verbose'")]
    [DataRow(new[] { "--" }, "no command after '--'")]
    [DataRow(new[] { "--", "head", "-c", "1" }, "'head' is not an absolute path")]
    [DataRow(new[] { "--", "bin/head" }, "'bin/head' is not an absolute path")]
    public void NotUnderstoodIsTheRelaysOwnFailure(string[] args, string problem)
    {
        var failure = Assert.ThrowsExactly<RelayFailure>(() => RelayCommandLine.Parse(args));

        Assert.AreEqual(RelayExitCodes.RelayFailed, failure.ExitCode);
        StringAssert.StartsWith(failure.Message, problem);
        StringAssert.Contains(failure.Message, "usage: privsep-relay [--plugin NAME] [--stdin] -- PATH [ARG...]");
    }
}

namespace PrivSep.Cli.Tests;

[TestClass]
public sealed class PolicyCheckCommandTests
{
    private const string Policy = """
        {
          "version": 1,
          "agents": { "users": ["#1001"] },
          "files": { "read": ["/var/log/**"], "write": ["/srv/sandbox/**"], "deny": ["/var/log/secret/**"] },
          "ping": { "targets": ["127.0.0.0/8"] }
        }
        """;

    private static async Task<CliRun> CheckAsync(TempDirectory dir, params string[] args)
    {
        string path = dir.PathOf("policy.json");
        if (!File.Exists(path))
        {
            File.WriteAllText(path, Policy);
        }

        return await Cli.RunAsync(["policy", "check", path, .. args]);
    }

    [TestMethod]
    public async Task ValidPolicyIsSummarized()
    {
        using var dir = new TempDirectory();

        var run = await CheckAsync(dir);

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Out, "files.read:    /var/log/**");
        StringAssert.Contains(run.Out, "write roots:   /srv/sandbox");
        StringAssert.Contains(run.Out, "ping.targets:  127.0.0.0/8");
        StringAssert.Contains(run.Out, "maxConnections=16");
    }

    [TestMethod]
    public async Task AllowedReadNamesTheRule()
    {
        using var dir = new TempDirectory();

        var run = await CheckAsync(dir, "--path", "/var/log/syslog");

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Out, "read /var/log/syslog: allowed by files.read[0] \"/var/log/**\"");
    }

    [TestMethod]
    public async Task DenyWinsAndExitsOne()
    {
        using var dir = new TempDirectory();

        var run = await CheckAsync(dir, "--path", "/var/log/secret/key", "--access", "read");

        Assert.AreEqual(1, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Out, "denied by files.deny[0] \"/var/log/secret/**\"");
    }

    [TestMethod]
    public async Task WriteRuleAlsoAllowsReadingLikeTheBroker()
    {
        using var dir = new TempDirectory();

        var read = await CheckAsync(dir, "--path", "/srv/sandbox/out.txt");
        var write = await CheckAsync(dir, "--path", "/var/log/syslog", "--access", "write");

        Assert.AreEqual(0, read.ExitCode, read.ToString());
        StringAssert.Contains(read.Out, "allowed by files.write[0]");
        Assert.AreEqual(1, write.ExitCode, write.ToString());
        StringAssert.Contains(write.Out, "default deny (no files.write rule matches)");
    }

    [TestMethod]
    public async Task RelativePathIsCheckedNormalized()
    {
        using var dir = new TempDirectory();

        var run = await CheckAsync(dir, "--path", "/var/log/../log//syslog");

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Out, "checked as /var/log/syslog");
    }

    [TestMethod]
    public async Task PingDecisionsByAddressAndName()
    {
        using var dir = new TempDirectory();

        var allowed = await CheckAsync(dir, "--ping", "127.0.0.1");
        var denied = await CheckAsync(dir, "--ping", "192.0.2.1");
        var byName = await CheckAsync(dir, "--ping", "localhost");

        Assert.AreEqual(0, allowed.ExitCode, allowed.ToString());
        StringAssert.Contains(allowed.Out, "ping 127.0.0.1: allowed by ping.targets[0]");
        Assert.AreEqual(1, denied.ExitCode, denied.ToString());
        StringAssert.Contains(denied.Out, "default deny (no ping.targets rule matches)");
        Assert.AreEqual(0, byName.ExitCode, byName.ToString());
        StringAssert.Contains(byName.Out, "the broker would ping 127.0.0.1");
    }

    [TestMethod]
    public async Task BadPolicyExitsTwoWithLineAndColumn()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.PathOf("policy.json"), "{\n  \"version\": 1,\n  \"agents\": { \"users\": [\"#1001\"] },\n  \"files\": { \"raed\": [] }\n}\n");

        var run = await CheckAsync(dir);

        Assert.AreEqual(2, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Error, "policy.json(4,");
        StringAssert.Contains(run.Error, "raed");
        Assert.AreEqual(string.Empty, run.Out);
    }

    [TestMethod]
    public async Task AccessWithoutPathIsAUsageError()
    {
        using var dir = new TempDirectory();

        var run = await CheckAsync(dir, "--access", "write");

        Assert.AreEqual(2, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Error, "--access needs --path");
    }

    [TestMethod]
    public async Task MissingPolicyFileExitsTwo()
    {
        var run = await Cli.RunAsync("policy", "check", "/nonexistent/policy.json");

        Assert.AreEqual(2, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Error, "/nonexistent/policy.json");
    }
}

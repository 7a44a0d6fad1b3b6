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

    private const string ExecPolicy = """
        {
          "version": 1,
          "agents": { "users": ["#1001"] },
          "exec": [
            { "path": "/usr/sbin/smartctl", "args": ["-a", "/dev/sd?"], "timeoutSeconds": 20 },
            { "path": "/usr/bin/cat", "args": ["/var/log/messages*"] },
            { "path": "/usr/bin/tail", "args": ["-n", "5", "/var/log/*"], "variadic": true }
          ]
        }
        """;

    private static async Task<CliRun> CheckExecAsync(params string[] args)
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.PathOf("policy.json"), ExecPolicy);
        return await Cli.RunAsync(["policy", "check", dir.PathOf("policy.json"), .. args]);
    }

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
    public async Task AMissingWriteRootIsAWarningNamingTheRuleNotARefusal()
    {
        using var dir = new TempDirectory();
        string missing = dir.PathOf("no-such-sandbox");
        File.WriteAllText(dir.PathOf("policy.json"), Policy.Replace("/srv/sandbox/**", missing + "/**", StringComparison.Ordinal));

        var run = await CheckAsync(dir);

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Out, $"warning:       files.write[0] \"{missing}/**\": the write root '{missing}' is not an existing directory");
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

    [TestMethod]
    public async Task SummaryListsExecRules()
    {
        var run = await CheckExecAsync();
        using var dir = new TempDirectory();
        var none = await CheckAsync(dir);

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Out, "exec:          exec[0] \"/usr/sbin/smartctl -a /dev/sd?\": as root (uid 0), timeout 20 s, output up to 16777216 bytes");
        StringAssert.Contains(run.Out, "exec[1] \"/usr/bin/cat /var/log/messages*\": as root (uid 0), timeout 30 s");
        StringAssert.Contains(run.Out, "exec[2] \"/usr/bin/tail -n 5 /var/log/*\" (variadic)");
        StringAssert.Contains(none.Out, "exec:          (none)");
    }

    [TestMethod]
    public async Task AllowedExecNamesTheRuleAndExitsZero()
    {
        var run = await CheckExecAsync("--exec", "/usr/sbin/smartctl", "--arg", "-a", "--arg", "/dev/sda");

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Out, "exec /usr/sbin/smartctl -a /dev/sda: allowed by exec[0] \"/usr/sbin/smartctl -a /dev/sd?\"");
        StringAssert.Contains(run.Out, "the broker would run it as root (uid 0), timeout 20 s");
    }

    [TestMethod]
    public async Task NamedPathWithOtherArgumentsIsDeniedAndRefusedByTheShim()
    {
        var run = await CheckExecAsync("--exec", "/usr/sbin/smartctl", "--arg", "-a", "--arg", "/dev/sda", "--arg=--json");

        Assert.AreEqual(1, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Out, "exec /usr/sbin/smartctl -a /dev/sda --json: denied by exec: arguments match no rule for /usr/sbin/smartctl (closest: exec[0]");
        StringAssert.Contains(run.Out, "the Shim refuses the command");
    }

    [TestMethod]
    public async Task UnnamedPathIsDeniedAndStartsUnprivileged()
    {
        var run = await CheckExecAsync("--exec", "/usr/bin/head", "--arg", "/etc/shadow");

        Assert.AreEqual(1, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Out, "denied by default deny (no exec rule names /usr/bin/head)");
        StringAssert.Contains(run.Out, "starts the command unprivileged, as before");
    }

    [TestMethod]
    public async Task EachArgIsOneArgumentSoTheJoinedStringAttackIsDenied()
    {
        var attack = await CheckExecAsync("--exec", "/usr/bin/cat", "--arg", "/var/log/messages", "--arg", "/etc/shadow");
        var oneArgument = await CheckExecAsync("--exec", "/usr/bin/cat", "--arg", "/var/log/messages /etc/shadow");

        Assert.AreEqual(1, attack.ExitCode, attack.ToString());
        StringAssert.Contains(attack.Out, "arguments match no rule for /usr/bin/cat");

        // One argument holding a space stays one argument (shown quoted): cat would get one nonexistent file name.
        Assert.AreEqual(0, oneArgument.ExitCode, oneArgument.ToString());
        StringAssert.Contains(oneArgument.Out, "exec /usr/bin/cat '/var/log/messages /etc/shadow': allowed by exec[1]");
    }

    [TestMethod]
    public async Task ADotDotArgumentIsDeniedAsTheBrokerWould()
    {
        var run = await CheckExecAsync("--exec", "/usr/bin/cat", "--arg", "/var/log/messages/../../../etc/shadow");

        Assert.AreEqual(1, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Out, "denied by exec: argv[1] has a '..' segment, which no argument pattern matches");
        StringAssert.Contains(run.Out, "(an argument with a '..' segment matches none)");
        StringAssert.Contains(run.Out, "the Shim refuses the command");
    }

    [TestMethod]
    public async Task VariadicAndPathLookupDecisions()
    {
        var variadic = await CheckExecAsync("--exec", "/usr/bin/tail", "--arg", "-n", "--arg", "5", "--arg", "/var/log/a", "--arg", "/var/log/b");
        var bare = await CheckExecAsync("--exec", "smartctl", "--arg", "-a", "--arg", "/dev/sda");

        Assert.AreEqual(0, variadic.ExitCode, variadic.ToString());
        StringAssert.Contains(variadic.Out, "allowed by exec[2]");
        Assert.AreEqual(1, bare.ExitCode, bare.ToString());
        StringAssert.Contains(bare.Out, "never a PATH lookup");
    }

    [TestMethod]
    public async Task ArgWithoutExecIsAUsageError()
    {
        var run = await CheckExecAsync("--arg", "-a");

        Assert.AreEqual(2, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Error, "--arg needs --exec");
    }

    [TestMethod]
    public async Task InvalidExecRuleExitsTwoWithRuleIndexLineAndColumn()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.PathOf("policy.json"), "{\n  \"version\": 1,\n  \"agents\": { \"users\": [\"#1001\"] },\n  \"exec\": [ { \"path\": \"smartctl\", \"args\": [] } ]\n}\n");

        var run = await CheckAsync(dir);

        Assert.AreEqual(2, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Error, "policy.json(4,23): 'exec[0].path' \"smartctl\" is not an absolute path: the broker never searches PATH");
    }
}

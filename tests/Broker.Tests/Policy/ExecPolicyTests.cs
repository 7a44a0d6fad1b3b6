using PrivSep.Broker.Policy;

namespace PrivSep.Broker.Tests.Policy;

/// <summary>
/// The <c>exec</c> section: commands the broker may run for an agent. The path is exact (never a
/// PATH lookup), the arguments are matched position by position with an exact count, unless the
/// rule is variadic, and anything else is refused, at load or at check.
/// </summary>
[TestClass]
public sealed class ExecPolicyTests
{
    private const string Sha = "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08";

    private static BrokerPolicy Exec(string rules, string extra = "") =>
        TestPolicies.Parse($$"""{ "version": 1, "agents": { "users": ["privsep-agent"] }{{extra}}, "exec": [{{rules}}] }""");

    private static PolicyException RefusedExec(string rules) =>
        TestPolicies.Refused($$"""{ "version": 1, "agents": { "users": ["privsep-agent"] }, "exec": [{{rules}}] }""");

    private static BrokerPolicy Smartctl() =>
        Exec("""{ "path": "/usr/sbin/smartctl", "args": ["-a", "/dev/sd?"] }""");

    [TestMethod]
    public void ArgumentsAreMatchedPositionByPosition()
    {
        var policy = Smartctl();

        var allowed = policy.CheckExec("/usr/sbin/smartctl", ["-a", "/dev/sda"]);

        Assert.IsTrue(allowed.Allowed);
        Assert.AreEqual("exec[0] \"/usr/sbin/smartctl -a /dev/sd?\"", allowed.Rule);
        Assert.AreSame(policy.ExecRules[0], allowed.Matched);
        Assert.IsTrue(allowed.PathNamed);

        // The same words in another order: each position has its own pattern.
        Assert.IsFalse(policy.CheckExec("/usr/sbin/smartctl", ["/dev/sda", "-a"]).Allowed);
        Assert.IsFalse(policy.CheckExec("/usr/sbin/smartctl", ["-x", "/dev/sda"]).Allowed);
        Assert.IsFalse(policy.CheckExec("/usr/sbin/smartctl", ["-a", "/dev/sda1"]).Allowed, "'?' is exactly one character");
        Assert.IsFalse(policy.CheckExec("/usr/sbin/smartctl", ["-a", "/dev/nvme0"]).Allowed);
    }

    [TestMethod]
    public void TheArgumentCountIsExact()
    {
        var policy = Smartctl();

        var extra = policy.CheckExec("/usr/sbin/smartctl", ["-a", "/dev/sda", "--json"]);
        var missing = policy.CheckExec("/usr/sbin/smartctl", ["-a"]);
        var none = policy.CheckExec("/usr/sbin/smartctl", []);

        Assert.IsFalse(extra.Allowed, "an extra argument is refused");
        Assert.IsFalse(missing.Allowed, "a missing argument is refused");
        Assert.IsFalse(none.Allowed);
        Assert.IsNull(extra.Matched);
    }

    [TestMethod]
    public void EmptyArgsMeansNoArguments()
    {
        var policy = Exec("""{ "path": "/usr/bin/uptime", "args": [] }""");

        Assert.IsTrue(policy.CheckExec("/usr/bin/uptime", []).Allowed);
        Assert.IsFalse(policy.CheckExec("/usr/bin/uptime", ["-p"]).Allowed);
    }

    [TestMethod]
    public void StarMatchesAnyCharactersWithinOneArgumentIncludingSlashAndNothingElse()
    {
        var policy = Exec("""{ "path": "/usr/bin/head", "args": ["-c", "64", "/var/log/*"] }""");

        Assert.IsTrue(policy.CheckExec("/usr/bin/head", ["-c", "64", "/var/log/syslog"]).Allowed);
        Assert.IsTrue(policy.CheckExec("/usr/bin/head", ["-c", "64", "/var/log/nginx/access.log"]).Allowed, "'/' is not special in an argument");
        Assert.IsFalse(policy.CheckExec("/usr/bin/head", ["-c", "64", "/var/lib/x"]).Allowed);
        Assert.IsFalse(policy.CheckExec("/usr/bin/head", ["-c", "640", "/var/log/syslog"]).Allowed, "a literal pattern matches the whole argument only");
    }

    /// <summary>
    /// sudoers matches a command's arguments as one joined string, so "cat /var/log/messages*"
    /// there also allows "cat /var/log/messages /etc/shadow". Here the pattern list has one entry,
    /// so a second argument is refused by the count, whatever it is.
    /// <para>
    /// The single argument "/var/log/messages /etc/shadow" (one string holding a space) does match
    /// the glob, and that is harmless: arguments are passed to the program as they are, never split
    /// by a shell, so cat receives ONE file name, "/var/log/messages /etc/shadow", a file that does
    /// not exist (and if it did, it would be a file under /var/log whose name starts with
    /// "messages", which the rule meant to allow). The attack only works where a string is split into
    /// words after it was checked; the broker never does that.
    /// </para>
    /// </summary>
    [TestMethod]
    public void TheSudoersJoinedStringAttackIsRefused()
    {
        var policy = Exec("""{ "path": "/usr/bin/cat", "args": ["/var/log/messages*"] }""");

        var attack = policy.CheckExec("/usr/bin/cat", ["/var/log/messages", "/etc/shadow"]);
        var rotated = policy.CheckExec("/usr/bin/cat", ["/var/log/messages.1"]);
        var oneArgument = policy.CheckExec("/usr/bin/cat", ["/var/log/messages /etc/shadow"]);

        Assert.IsFalse(attack.Allowed, attack.Rule);
        Assert.IsTrue(attack.PathNamed, "a named path with other arguments is refused, never run unprivileged");
        StringAssert.StartsWith(attack.Rule, "exec: arguments match no rule for /usr/bin/cat (closest: exec[0]");
        Assert.IsTrue(rotated.Allowed);
        Assert.IsTrue(oneArgument.Allowed, "one argument holding a space: cat gets one (nonexistent) file name");
    }

    [TestMethod]
    public void VariadicRepeatsTheLastPatternForOneOrMoreFurtherArguments()
    {
        var policy = Exec("""{ "path": "/usr/bin/tail", "args": ["-n", "5", "/var/log/*"], "variadic": true }""");

        Assert.IsTrue(policy.CheckExec("/usr/bin/tail", ["-n", "5", "/var/log/a"]).Allowed);
        Assert.IsTrue(policy.CheckExec("/usr/bin/tail", ["-n", "5", "/var/log/a", "/var/log/b", "/var/log/c"]).Allowed);
        Assert.IsFalse(policy.CheckExec("/usr/bin/tail", ["-n", "5"]).Allowed, "the last pattern must match at least once");
        Assert.IsFalse(policy.CheckExec("/usr/bin/tail", ["-n", "5", "/var/log/a", "/etc/shadow"]).Allowed, "every repeated argument must match");
        Assert.IsFalse(policy.CheckExec("/usr/bin/tail", ["-n", "5", "/var/log/a", "-f"]).Allowed);
        Assert.IsFalse(policy.CheckExec("/usr/bin/tail", ["-n", "/var/log/a", "/var/log/b"]).Allowed, "the leading patterns are not repeated");
        Assert.AreEqual("exec[0] \"/usr/bin/tail -n 5 /var/log/*\" (variadic)", policy.ExecRules[0].RuleName);
    }

    [TestMethod]
    public void VariadicWithoutPatternsIsRefusedAtLoad()
    {
        var error = RefusedExec("""{ "path": "/usr/bin/ss", "args": [], "variadic": true }""");

        Assert.Contains("'exec[0].variadic' needs at least one pattern", error.Message);
    }

    [TestMethod]
    public void ThePathIsComparedExactly()
    {
        var policy = Smartctl();

        var bare = policy.CheckExec("smartctl", ["-a", "/dev/sda"]);
        var dotted = policy.CheckExec("/usr/sbin/../sbin/smartctl", ["-a", "/dev/sda"]);
        var other = policy.CheckExec("/usr/local/sbin/smartctl", ["-a", "/dev/sda"]);

        Assert.IsFalse(bare.Allowed);
        Assert.IsFalse(bare.PathNamed);
        StringAssert.Contains(bare.Rule, "never a PATH lookup");
        Assert.IsFalse(dotted.Allowed);
        Assert.IsFalse(other.Allowed);
        Assert.AreEqual("default deny (no exec rule names /usr/local/sbin/smartctl)", other.Rule);
    }

    [TestMethod]
    public void PathNamedSaysWhetherAnyRuleNamesThePath()
    {
        var policy = Smartctl();

        var unnamed = policy.CheckExec("/usr/bin/cat", ["/etc/hostname"]);
        var namedWrongArgs = policy.CheckExec("/usr/sbin/smartctl", ["-i", "/dev/sda"]);

        Assert.IsFalse(unnamed.Allowed);
        Assert.IsFalse(unnamed.PathNamed, "the Shim starts it unprivileged, as before");
        Assert.AreEqual("default deny (no exec rule names /usr/bin/cat)", unnamed.Rule);
        Assert.IsFalse(namedWrongArgs.Allowed);
        Assert.IsTrue(namedWrongArgs.PathNamed, "the Shim refuses it");
        Assert.IsNull(namedWrongArgs.Matched);
    }

    [TestMethod]
    public void TheFirstMatchingRuleDecidesAndTheClosestRuleIsNamedOnDenial()
    {
        var policy = Exec("""
            { "path": "/usr/bin/head", "args": ["-c", "64", "/root/secret"] },
            { "path": "/usr/sbin/smartctl", "args": ["-a", "/dev/sd?"] },
            { "path": "/usr/bin/head", "args": ["-n", "10", "/var/log/*"], "user": "privsep-agent" },
            { "path": "/usr/bin/head", "args": ["-n", "*", "/var/log/*"] }
            """);

        var second = policy.CheckExec("/usr/bin/head", ["-n", "10", "/var/log/syslog"]);
        var fourth = policy.CheckExec("/usr/bin/head", ["-n", "99", "/var/log/syslog"]);
        var denied = policy.CheckExec("/usr/bin/head", ["-n", "10", "/etc/shadow"]);

        Assert.AreEqual(2, second.Matched!.Index);
        Assert.AreEqual(1001u, second.Matched.Uid);
        Assert.AreEqual(3, fourth.Matched!.Index);
        Assert.AreEqual(
            "exec: arguments match no rule for /usr/bin/head (closest: exec[2] \"/usr/bin/head -n 10 /var/log/*\")",
            denied.Rule);
    }

    [TestMethod]
    public void AnArgumentContainingNulIsNeverMatched()
    {
        var policy = Exec("""{ "path": "/usr/bin/head", "args": ["*"], "variadic": true }""");

        var nul = policy.CheckExec("/usr/bin/head", ["/var/log/syslog\0/etc/shadow"]);
        var nulLater = policy.CheckExec("/usr/bin/head", ["/var/log/syslog", "\0"]);

        Assert.IsFalse(nul.Allowed);
        Assert.IsTrue(nul.PathNamed);
        StringAssert.Contains(nul.Rule, "NUL");
        Assert.IsFalse(nulLater.Allowed);
        Assert.IsTrue(policy.CheckExec("/usr/bin/head", ["/var/log/syslog"]).Allowed);
    }

    /// <summary>
    /// Issue 10: "/srv/data/logs/*" took "/srv/data/logs/../denied.txt", and head ran as root on a file outside logs/.
    /// An argument with a ".." segment is never matched, whatever the pattern, so a literal directory before a
    /// wildcard confines the argument to that directory, as a path glob would.
    /// </summary>
    [TestMethod]
    [DataRow("/srv/data/logs/../denied.txt")]
    [DataRow("/srv/data/logs/../../../etc/shadow")]
    [DataRow("/srv/data/logs/a/../../denied.txt")]
    [DataRow("/srv/data/logs/..")]
    [DataRow("/srv/data/logs/a/..")]
    [DataRow("/srv/data/logs//../denied.txt")]
    [DataRow("/srv/data/logs/./../denied.txt")]
    public void AnArgumentWithADotDotSegmentIsNeverMatched(string argument)
    {
        var policy = Exec("""{ "path": "/usr/bin/head", "args": ["-n", "3", "/srv/data/logs/*"] }""");

        var decision = policy.CheckExec("/usr/bin/head", ["-n", "3", argument]);

        Assert.IsFalse(decision.Allowed, argument);
        Assert.IsTrue(decision.PathNamed, "a named path with such an argument is refused, never run unprivileged");
        Assert.IsNull(decision.Matched);
        Assert.AreEqual("exec: argv[3] has a '..' segment, which no argument pattern matches (name the file by its path without '..')", decision.Rule);
        Assert.IsFalse(new ArgumentGlob("/srv/data/logs/*").IsMatch(argument), "the matcher itself refuses it, whoever calls it");
        Assert.IsFalse(new ArgumentGlob("*").IsMatch(argument));
    }

    /// <summary>
    /// Each argument is matched as text and read as a path. A ".." segment is refused in every shape of argument.
    /// "." segments, repeated '/' and a trailing '/' do not climb, but they let a wildcard stand for nothing at
    /// all: "/srv/data/logs/" or "/srv/data/logs/." names the directory itself, and "/srv/data/./report.txt" a
    /// file that "/srv/data/*/report.txt" was not written to allow; the argument must still match once they are
    /// removed from both. Dots that are not a whole segment are ordinary characters.
    /// </summary>
    [TestMethod]
    [DataRow("--file=/srv/data/logs/*", "--file=/srv/data/logs/../x", false)]
    [DataRow("https://example.com/*", "https://example.com/../admin", false)]
    [DataRow("logs/*", "logs/../etc/shadow", false)]
    [DataRow("*", "..", false)]
    [DataRow("*", "../x", false)]
    [DataRow("/dev/sd?", "/dev/sd..", false)]
    [DataRow("/srv/data/*.", "/srv/data/..", false)]
    [DataRow("/srv/data/logs/*", "/srv/data/logs/", false)]
    [DataRow("/srv/data/logs/*", "/srv/data/logs/.", false)]
    [DataRow("/srv/data/logs/*", "/srv/data/logs/./", false)]
    [DataRow("/srv/data/logs/*", "/srv/data/logs//", false)]
    [DataRow("/srv/data/*/report.txt", "/srv/data/./report.txt", false)]
    [DataRow("/srv/data/*/report.txt", "/srv/data//report.txt", false)]
    [DataRow("--file=/srv/data/logs/*", "--file=/srv/data/logs/.", false)]
    [DataRow("/srv/data/logs/*", "/srv/data/logs/app.log", true)]
    [DataRow("/srv/data/logs/*", "/srv/data/logs/2024/app.log", true)]
    [DataRow("/srv/data/logs/*", "/srv/data/logs/x..y", true)]
    [DataRow("/srv/data/logs/*", "/srv/data/logs/...", true)]
    [DataRow("/srv/data/logs/*", "/srv/data/logs/..hidden", true)]
    [DataRow("/srv/data/logs/*", "/srv/data/logs/.hidden", true)]
    [DataRow("/srv/data/logs/*", "/srv/data/logs//app.log", true)]
    [DataRow("/srv/data/logs/*", "/srv/data/logs/./app.log", true)]
    [DataRow("/srv/data/logs/*", "/srv/data/logs/a/.", true)]
    [DataRow("/srv/data/*/report.txt", "/srv/data/2024/report.txt", true)]
    [DataRow("*", "HEAD..main", true)]
    [DataRow("*", "..HEAD", true)]
    [DataRow("*", "", true)]
    [DataRow("https://example.com/*", "https://example.com/a/b", true)]
    [DataRow("--file=/srv/data/logs/*", "--file=/srv/data/logs/a", true)]
    public void AnArgumentIsMatchedAsTextAndAsAPath(string pattern, string argument, bool expected)
    {
        var policy = Exec($$"""{ "path": "/usr/bin/tool", "args": ["{{pattern}}"] }""");

        Assert.AreEqual(expected, policy.CheckExec("/usr/bin/tool", [argument]).Allowed, $"{pattern} ~ {argument}");
    }

    [TestMethod]
    public void ALongArgumentIsReadAsAPathToo()
    {
        var policy = Exec("""{ "path": "/usr/bin/tool", "args": ["/srv/data/logs/*"] }""");
        var deep = "/srv/data/logs/" + string.Join('/', Enumerable.Repeat("segment", 100));

        Assert.IsTrue(policy.CheckExec("/usr/bin/tool", [deep + "//./x"]).Allowed);
        Assert.IsFalse(policy.CheckExec("/usr/bin/tool", [deep + "/" + string.Concat(Enumerable.Repeat("../", 101))]).Allowed);
        Assert.IsFalse(policy.CheckExec("/usr/bin/tool", ["/srv/data/logs/" + new string('/', 1000)]).Allowed);
    }

    [TestMethod]
    public void APatternWithADotDotSegmentIsRefusedAtLoad()
    {
        var error = RefusedExec("""{ "path": "/usr/bin/head", "args": ["-n", "/var/log/../x"] }""");

        PolicyLoadErrorTests.AssertAt(error, 1, 110, "invalid argument pattern \"/var/log/../x\" in 'exec[0].args[1]': it has a '..' segment");
        Assert.Contains("write the path without '..'", error.Message);
    }

    [TestMethod]
    public void ANullArgumentIsRefused()
    {
        var policy = Exec("""{ "path": "/usr/bin/head", "args": ["*"] }""");

        Assert.IsFalse(policy.CheckExec("/usr/bin/head", [null!]).Allowed);
    }

    [TestMethod]
    public void DefaultsAndExplicitSettingsAreLoaded()
    {
        var policy = Exec(
            $$"""
            { "path": "/usr/sbin/smartctl", "args": ["-a", "/dev/sd?"] },
            { "path": "/usr/sbin/dmidecode", "args": ["-t", "memory"], "sha256": "{{Sha}}", "timeoutSeconds": 3600,
              "user": "privsep-agent", "maxOutputBytes": 1073741824, "variadic": false }
            """,
            extra: """, "limits": { "requestTimeoutSeconds": 12 }""");

        var defaults = policy.ExecRules[0];
        var explicitRule = policy.ExecRules[1];

        Assert.AreEqual(2, policy.ExecRules.Count);
        Assert.AreEqual(12, defaults.TimeoutSeconds, "the default is limits.requestTimeoutSeconds");
        Assert.AreEqual("root", defaults.User);
        Assert.AreEqual(0u, defaults.Uid);
        Assert.AreEqual(16L * 1024 * 1024, defaults.MaxOutputBytes);
        Assert.IsNull(defaults.Sha256);
        Assert.IsFalse(defaults.Variadic);
        CollectionAssert.AreEqual(new[] { "-a", "/dev/sd?" }, defaults.ArgumentPatterns.ToArray());

        Assert.AreEqual(Sha.ToLowerInvariant(), explicitRule.Sha256);
        Assert.AreEqual(3600, explicitRule.TimeoutSeconds);
        Assert.AreEqual("privsep-agent", explicitRule.User);
        Assert.AreEqual(1001u, explicitRule.Uid);
        Assert.AreEqual(1024L * 1024 * 1024, explicitRule.MaxOutputBytes);
    }

    [TestMethod]
    public void NoExecSectionDeniesEveryCommandAsUnnamed()
    {
        var policy = TestPolicies.Files(read: ["/var/log/**"]);

        var decision = policy.CheckExec("/usr/sbin/smartctl", ["-a", "/dev/sda"]);

        Assert.AreEqual(0, policy.ExecRules.Count);
        Assert.IsFalse(decision.Allowed);
        Assert.IsFalse(decision.PathNamed);
    }

    [TestMethod]
    public void ExecRulesAreReadOnly()
    {
        var policy = Smartctl();

        Assert.IsFalse(policy.ExecRules is ExecRule[], "not the array itself");
        Assert.ThrowsExactly<NotSupportedException>(() => ((IList<string>)policy.ExecRules[0].ArgumentPatterns)[0] = "*");
        Assert.ThrowsExactly<NotSupportedException>(() => ((IList<ExecRule>)policy.ExecRules)[0] = null!);
    }

    [TestMethod]
    [DataRow("smartctl", "is not an absolute path: the broker never searches PATH")]
    [DataRow("sbin/smartctl", "is not absolute")]
    [DataRow("./smartctl", "is not absolute")]
    [DataRow("", "is empty")]
    [DataRow("/usr/sbin/smart*", "contains the wildcard '*'")]
    [DataRow("/usr/sbin/smartct?", "contains the wildcard '?'")]
    [DataRow("/usr/*/smartctl", "contains the wildcard '*'")]
    [DataRow("/usr/sbin/../sbin/smartctl", "is not a normalized absolute path")]
    [DataRow("/usr//sbin/smartctl", "is not a normalized absolute path")]
    [DataRow("/usr/sbin/", "is not a normalized absolute path")]
    [DataRow("/", "names the root directory")]
    public void BadPathsAreRefusedAtLoadWithRuleIndexLineAndColumn(string path, string expected)
    {
        var error = TestPolicies.Refused($$"""
            {
              "version": 1,
              "agents": { "users": ["privsep-agent"] },
              "exec": [
                { "path": "/usr/bin/uptime", "args": [] },
                { "path": "{{path}}", "args": [] }
              ]
            }
            """);

        PolicyLoadErrorTests.AssertAt(error, 6, 15, $"'exec[1].path' \"{path}\" {expected}");
    }

    [TestMethod]
    public void DoubleStarInAnArgumentIsRefused()
    {
        var error = RefusedExec("""{ "path": "/usr/bin/head", "args": ["-n", "/var/log/**"] }""");

        PolicyLoadErrorTests.AssertAt(error, 1, 110, "invalid argument pattern \"/var/log/**\" in 'exec[0].args[1]': '**' is not allowed");
    }

    [TestMethod]
    [DataRow("\"abc\"")]
    [DataRow("\"9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A0\"")]
    [DataRow("\"9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08a\"")]
    [DataRow("\"zz86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08\"")]
    [DataRow("\"sha256:9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08\"")]
    public void Sha256MustBe64HexDigits(string value)
    {
        var error = RefusedExec($$"""{ "path": "/usr/bin/uptime", "args": [], "sha256": {{value}} }""");

        PolicyLoadErrorTests.AssertAt(error, 1, 119, "'exec[0].sha256' is not a SHA-256 (write the 64 hex digits that 'sha256sum /usr/bin/uptime' prints)");
    }

    [TestMethod]
    public void Sha256MustBeAString()
    {
        var error = RefusedExec("""{ "path": "/usr/bin/uptime", "args": [], "sha256": 42 }""");

        Assert.Contains("'exec[0].sha256' must be a string, found the number 42", error.Message);
    }

    [TestMethod]
    public void UnknownUserIsRefusedAndNumericUidsAreAccepted()
    {
        var error = RefusedExec("""{ "path": "/usr/bin/uptime", "args": [], "user": "nobody-here" }""");
        var numeric = Exec("""{ "path": "/usr/bin/uptime", "args": [], "user": "#4242" }""");

        PolicyLoadErrorTests.AssertAt(error, 1, 117, "unknown user 'nobody-here' in 'exec[0].user'");
        Assert.AreEqual(4242u, numeric.ExecRules[0].Uid);
        Assert.Contains("not a valid user name", RefusedExec("""{ "path": "/usr/bin/uptime", "args": [], "user": "a b" }""").Message);
    }

    [TestMethod]
    [DataRow("\"timeoutSeconds\": 0", "'exec[0].timeoutSeconds' is 0, out of range (use a value from 1 to 3600)")]
    [DataRow("\"timeoutSeconds\": 3601", "'exec[0].timeoutSeconds' is 3601, out of range (use a value from 1 to 3600)")]
    [DataRow("\"timeoutSeconds\": 1.5", "'exec[0].timeoutSeconds' must be a whole number")]
    [DataRow("\"maxOutputBytes\": 0", "'exec[0].maxOutputBytes' is 0, out of range (use a value from 1 to 1073741824)")]
    [DataRow("\"maxOutputBytes\": 1073741825", "'exec[0].maxOutputBytes' is 1073741825, out of range")]
    [DataRow("\"variadic\": \"yes\"", "'exec[0].variadic' must be true or false, found a string")]
    [DataRow("\"args\": \"-a /dev/sda\"", "'exec[0].args' must be an array, found a string")]
    [DataRow("\"args\": [1]", "'exec[0].args[0]' must be a string")]
    [DataRow("\"path\": 7", "'exec[0].path' must be a string")]
    [DataRow("\"argv\": []", "unknown key 'argv' in 'exec[0]' (expected path, args, sha256, timeoutSeconds, user, maxOutputBytes, variadic)")]
    public void BadSettingsAreRefusedAtLoad(string setting, string expected)
    {
        // The later key of a duplicate would be refused too, so the base rule leaves out the key under test.
        var key = setting[1..setting.IndexOf('"', 1)];
        var path = key == "path" ? string.Empty : "\"path\": \"/usr/bin/uptime\", ";
        var args = key == "args" ? string.Empty : "\"args\": [], ";

        var error = RefusedExec($$"""{ {{path}}{{args}}{{setting}} }""");

        Assert.AreEqual(1, error.Line);
        Assert.Contains(expected, error.Message);
    }

    [TestMethod]
    public void MissingPathOrArgsIsRefused()
    {
        Assert.Contains("missing 'exec[0].path'", RefusedExec("""{ "args": [] }""").Message);
        Assert.Contains("missing 'exec[0].args'", RefusedExec("""{ "path": "/usr/bin/uptime" }""").Message);
    }

    [TestMethod]
    public void ExecMustBeAnArrayOfObjects()
    {
        Assert.Contains("'exec' must be an array", TestPolicies.Refused("""{ "version": 1, "agents": { "users": ["privsep-agent"] }, "exec": {} }""").Message);
        Assert.Contains("'exec[0]' must be an object", RefusedExec("\"/usr/sbin/smartctl -a /dev/sda\"").Message);
    }

    [TestMethod]
    public void RuleNamesKeepArgumentBoundariesVisible()
    {
        var policy = Exec("""{ "path": "/usr/bin/printf", "args": ["a b", "", "it's"] }""");

        Assert.AreEqual("exec[0] \"/usr/bin/printf 'a b' '' 'it'\\''s'\"", policy.ExecRules[0].RuleName);
        Assert.IsTrue(policy.CheckExec("/usr/bin/printf", ["a b", "", "it's"]).Allowed);
        Assert.IsFalse(policy.CheckExec("/usr/bin/printf", ["a", "b", "", "it's"]).Allowed);
    }

    [TestMethod]
    public void AnAllowedCheckDoesNotAllocate()
    {
        var policy = Exec("""
            { "path": "/usr/sbin/smartctl", "args": ["-i", "/dev/sd?"] },
            { "path": "/usr/sbin/smartctl", "args": ["-a", "/dev/sd?"] },
            { "path": "/usr/bin/tail", "args": ["/var/log/*"], "variadic": true }
            """);
        string[] smartctl = ["-a", "/dev/sdb"];
        string[] tail = ["/var/log/a", "/var/log/b"];
        string[] wrong = ["-x", "/dev/sdb"];

        void CheckAll()
        {
            policy.CheckExec("/usr/sbin/smartctl", smartctl);
            policy.CheckExec("/usr/bin/tail", tail);
            policy.CheckExec("/usr/sbin/smartctl", wrong);
        }

        CheckAll();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            CheckAll();
        }

        Assert.AreEqual(0L, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}

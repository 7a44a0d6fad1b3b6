using PrivSep.Broker.Policy;

namespace PrivSep.Broker.Tests.Policy;

/// <summary>
/// A policy the broker cannot trust is refused at start (and on reload), with the file, line and
/// column of the problem and what to do about it.
/// </summary>
[TestClass]
public sealed class PolicyLoadErrorTests
{
    [TestMethod]
    public void UnknownNestedKeyNamesFileLineColumnAndTheExpectedKeys()
    {
        var error = TestPolicies.Refused("""
            {
              "version": 1,
              "agents": { "users": ["privsep-agent"] },
              // a typo in a section name would silently drop its rules
              "files": {
                "read": ["/var/log/**"],
                "raed": ["/etc/**"]
              }
            }
            """);

        Assert.AreEqual("policy.json(7,5): unknown key 'raed' in 'files' (expected read, write, deny)", error.Message);
        Assert.AreEqual("policy.json", error.SourceName);
        Assert.AreEqual(7, error.Line);
        Assert.AreEqual(5, error.Column);
    }

    [TestMethod]
    public void UnknownTopLevelKey()
    {
        var error = TestPolicies.Refused("""
            {
              "version": 1,
              "agents": { "users": ["privsep-agent"] },
              "file": { "read": ["/var/log/**"] }
            }
            """);

        AssertAt(error, 4, 3, "unknown key 'file' at the top level (expected version, agents, files, ping, limits, exec)");
    }

    [TestMethod]
    [DataRow("agents", """{ "users": ["privsep-agent"], "groups": [] }""", "unknown key 'groups' in 'agents'")]
    [DataRow("ping", """{ "target": [] }""", "unknown key 'target' in 'ping' (expected targets)")]
    [DataRow("limits", """{ "maxConnection": 4 }""", "unknown key 'maxConnection' in 'limits' (expected maxConnections,")]
    public void UnknownKeyInEverySectionIsRefused(string section, string body, string expected)
    {
        var json = section == "agents"
            ? $$"""{ "version": 1, "agents": {{body}} }"""
            : $$"""{ "version": 1, "agents": { "users": ["privsep-agent"] }, "{{section}}": {{body}} }""";

        var error = TestPolicies.Refused(json);

        Assert.AreEqual(1, error.Line);
        Assert.Contains(expected, error.Message);
    }

    [TestMethod]
    public void InvalidJsonIsReportedWithOneBasedLineAndColumn()
    {
        // The comma after the agents line is missing.
        var error = TestPolicies.Refused("""
            {
              "version": 1,
              "agents": { "users": ["privsep-agent"] }
              "files": {}
            }
            """);

        AssertAt(error, 4, 3, "invalid JSON");
        Assert.DoesNotContain("LineNumber", error.Message, "the reader's 0-based position is replaced by ours");
    }

    [TestMethod]
    public void UnterminatedJsonIsRefused()
    {
        var error = TestPolicies.Refused("{ \"version\": 1,\n  \"agents\": { \"users\": [\"privsep-agent\"] }");

        Assert.StartsWith("policy.json(2,", error.Message);
        Assert.Contains("invalid JSON", error.Message);
    }

    [TestMethod]
    [DataRow("")]
    [DataRow("   // only a comment\n")]
    public void EmptyPolicyIsRefused(string json)
    {
        var error = TestPolicies.Refused(json);

        Assert.StartsWith("policy.json(", error.Message);
    }

    [TestMethod]
    public void StringWithALoneSurrogateEscapeIsRefusedAtItsPosition()
    {
        var error = TestPolicies.Refused("""{ "version": 1, "agents": { "users": ["\uD800"] } }""");

        AssertAt(error, 1, 39, "invalid string");
    }

    [TestMethod]
    public void CommentsAndTrailingCommasAreAccepted()
    {
        var policy = TestPolicies.Parse("""
            /* PrivSep policy */
            {
              "version": 1, // the only version
              "agents": { "users": ["privsep-agent",], },
              "files": { "read": ["/var/log/**",], },
            }
            """);

        Assert.IsTrue(policy.CheckRead("/var/log/syslog").Allowed);
    }

    [TestMethod]
    public void ColumnsCountCharactersNotBytes()
    {
        // Each 'é' takes two bytes in UTF-8; an editor shows it as one column.
        var error = TestPolicies.Refused("""{ /* ééé */ "é": 1 }""");

        AssertAt(error, 1, 13, "unknown key 'é' at the top level");
    }

    [TestMethod]
    [DataRow("""{ "version": "1", "agents": { "users": ["privsep-agent"] } }""", 14, "'version' must be a number, found a string")]
    [DataRow("""{ "version": 1.5, "agents": { "users": ["privsep-agent"] } }""", 14, "'version' must be a whole number, found 1.5")]
    [DataRow("""{ "version": 1, "agents": ["privsep-agent"] }""", 27, "'agents' must be an object, found an array")]
    [DataRow("""{ "version": 1, "agents": { "users": "privsep-agent" } }""", 38, "'agents.users' must be an array, found a string")]
    [DataRow("""{ "version": 1, "agents": { "users": [1001] } }""", 39, "'agents.users[0]' must be a string, found the number 1001")]
    [DataRow("""{ "version": 1, "agents": { "users": ["privsep-agent"] }, "files": { "read": "/var/log/**" } }""", 78, "'files.read' must be an array, found a string")]
    [DataRow("""{ "version": 1, "agents": { "users": ["privsep-agent"] }, "files": { "read": ["/a", null] } }""", 85, "'files.read[1]' must be a string, found null")]
    [DataRow("""{ "version": 1, "agents": { "users": ["privsep-agent"] }, "files": true }""", 68, "'files' must be an object, found true")]
    [DataRow("""{ "version": 1, "agents": { "users": ["privsep-agent"] }, "limits": { "maxConnections": "16" } }""", 89, "'limits.maxConnections' must be a number, found a string")]
    public void WrongTypesAreRefusedAtTheValue(string json, int column, string expected)
    {
        AssertAt(TestPolicies.Refused(json), 1, column, expected);
    }

    [TestMethod]
    public void PolicyThatIsNotAnObjectIsRefused()
    {
        AssertAt(TestPolicies.Refused("[1]"), 1, 1, "the policy must be a JSON object, found an array");
    }

    [TestMethod]
    [DataRow("""{ "version": 2, "agents": { "users": ["privsep-agent"] } }""", 14, "unsupported version 2")]
    [DataRow("""{ "version": 0, "agents": { "users": ["privsep-agent"] } }""", 14, "unsupported version 0")]
    [DataRow("""{ "agents": { "users": ["privsep-agent"] } }""", 1, "missing 'version'")]
    public void VersionMustBeOne(string json, int column, string expected)
    {
        AssertAt(TestPolicies.Refused(json), 1, column, expected);
    }

    [TestMethod]
    public void DuplicateKeyIsRefused()
    {
        var error = TestPolicies.Refused("""
            { "version": 1, "agents": { "users": ["privsep-agent"] },
              "files": { "read": ["/var/log/**"], "read": ["/etc/**"] } }
            """);

        AssertAt(error, 2, 39, "duplicate key 'read' in 'files'");
    }

    [TestMethod]
    public void UnknownUserIsRefusedWithTheFix()
    {
        var error = TestPolicies.Refused("""
            { "version": 1,
              "agents": { "users": ["privsep-agent", "nobody-here"] } }
            """);

        AssertAt(error, 2, 42, "unknown user 'nobody-here'");
        Assert.Contains("create the user", error.Message);
        Assert.Contains("remove it from the policy", error.Message);
    }

    [TestMethod]
    [DataRow("""{ "version": 1 }""", "missing 'agents'")]
    [DataRow("""{ "version": 1, "agents": {} }""", "missing 'agents.users'")]
    [DataRow("""{ "version": 1, "agents": { "users": [] } }""", "'agents.users' is empty")]
    public void AtLeastOneAgentUserIsRequired(string json, string expected)
    {
        Assert.Contains(expected, TestPolicies.Refused(json).Message);
    }

    [TestMethod]
    public void AgentsAreResolvedToUids()
    {
        var policy = TestPolicies.Parse("""
            { "version": 1, "agents": { "users": ["privsep-agent", "#2000", "other-agent", "privsep-agent"] } }
            """);

        CollectionAssert.AreEquivalent(new uint[] { 1001, 2000, 1002 }, policy.AllowedUids.ToArray());
        CollectionAssert.AreEqual(new[] { "privsep-agent", "#2000", "other-agent" }, policy.AgentUsers.ToArray());
        Assert.IsFalse(policy.AllowedUids.Contains(0u));
    }

    [TestMethod]
    [DataRow("#")]
    [DataRow("#abc")]
    [DataRow("#-1")]
    [DataRow("#4294967295")]
    [DataRow("#99999999999")]
    public void InvalidNumericUidIsRefused(string user)
    {
        var error = TestPolicies.Refused($$"""{ "version": 1, "agents": { "users": ["{{user}}"] } }""");

        Assert.Contains("is not a valid numeric uid", error.Message);
    }

    [TestMethod]
    [DataRow("privsep agent")]
    [DataRow("a:b")]
    [DataRow("\\u0000root")]
    [DataRow("")]
    public void MalformedUserNameIsRefusedBeforeLookup(string user)
    {
        var error = TestPolicies.Refused($$"""{ "version": 1, "agents": { "users": ["{{user}}"] } }""");

        Assert.Contains("is not a valid user name", error.Message);
    }

    [TestMethod]
    public void FailingUserLookupIsAPolicyErrorNotACrash()
    {
        var json = """{ "version": 1, "agents": { "users": ["privsep-agent"] } }""";

        var error = Assert.ThrowsExactly<PolicyException>(() => BrokerPolicy.Parse(json, "policy.json", new ThrowingUserDirectory()));

        AssertAt(error, 1, 39, "cannot look up user 'privsep-agent': name service down");
    }

    [TestMethod]
    [DataRow("var/log/**", "is not absolute")]
    [DataRow("~/logs/**", "is not absolute")]
    [DataRow("", "is empty")]
    [DataRow("/var//log", "contains \"//\"")]
    [DataRow("/var/./log", "\".\" segment")]
    [DataRow("/var/log/../../etc/shadow", "\"..\" segment")]
    [DataRow("/var/log/", "ends with '/'")]
    [DataRow("/var/log/**.log", "mixes ** with other characters")]
    [DataRow("/var/***", "mixes ** with other characters")]
    [DataRow("/var/log/\\u0000x", "NUL")]
    [DataRow("/var/log/[abc]", "'[' is not supported")]
    [DataRow("/var/log/{a,b}", "'{' is not supported")]
    public void InvalidGlobIsRefused(string glob, string expected)
    {
        var error = TestPolicies.Refused($$"""
            { "version": 1, "agents": { "users": ["privsep-agent"] },
              "files": { "deny": ["/etc/shadow", "{{glob}}"] } }
            """);

        AssertAt(error, 2, 38, "in 'files.deny[1]'");
        Assert.Contains(expected, error.Message);
    }

    [TestMethod]
    [DataRow("/**")]
    [DataRow("/*")]
    [DataRow("/*/x/**")]
    [DataRow("/etc")]
    [DataRow("/")]
    public void WriteGlobWithoutALiteralDirectoryIsRefused(string glob)
    {
        var error = TestPolicies.Refused($$"""
            { "version": 1, "agents": { "users": ["privsep-agent"] },
              "files": { "write": ["{{glob}}"] } }
            """);

        AssertAt(error, 2, 24, "has no literal directory prefix: it would make the whole disk writable");
    }

    [TestMethod]
    public void LoadNamesTheFileInErrors()
    {
        var path = Path.Combine(Path.GetTempPath(), $"privsep-policy-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, "{\n  \"version\": 1,\n  \"agents\": { \"users\": [\"privsep-agent\"] },\n  \"extra\": 1\n}\n");
        try
        {
            var error = Assert.ThrowsExactly<PolicyException>(() => BrokerPolicy.Load(path, TestPolicies.Users));

            Assert.StartsWith($"{path}(4,3): unknown key 'extra'", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void LoadReadsAValidFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"privsep-policy-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, "\uFEFF{ \"version\": 1, \"agents\": { \"users\": [\"privsep-agent\"] }, \"files\": { \"read\": [\"/var/log/**\"] } }");
        try
        {
            var policy = BrokerPolicy.Load(path, TestPolicies.Users);

            Assert.AreEqual(path, policy.SourceName);
            Assert.IsTrue(policy.CheckRead("/var/log/syslog").Allowed);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void LoadOfAMissingFileIsAPolicyError()
    {
        var path = Path.Combine(Path.GetTempPath(), $"privsep-missing-{Guid.NewGuid():N}.json");

        var error = Assert.ThrowsExactly<PolicyException>(() => BrokerPolicy.Load(path, TestPolicies.Users));

        Assert.StartsWith($"{path}: cannot read the policy file", error.Message);
    }

    internal static void AssertAt(PolicyException error, int line, int column, string expected)
    {
        Assert.StartsWith($"policy.json({line},{column}): ", error.Message);
        Assert.Contains(expected, error.Message);
        Assert.AreEqual(line, error.Line);
        Assert.AreEqual(column, error.Column);
    }

    private sealed class ThrowingUserDirectory : IUserDirectory
    {
        public bool TryGetUid(string userName, out uint uid) => throw new IOException("name service down");
    }
}

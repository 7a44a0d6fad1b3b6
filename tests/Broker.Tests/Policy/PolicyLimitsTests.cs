using PrivSep.Broker.Policy;

namespace PrivSep.Broker.Tests.Policy;

/// <summary>Limits protect the broker from one agent; a typo must not switch them off or lock everyone out.</summary>
[TestClass]
public sealed class PolicyLimitsTests
{
    [TestMethod]
    public void MissingLimitsUseTheDefaults()
    {
        var policy = TestPolicies.Parse("""{ "version": 1, "agents": { "users": ["privsep-agent"] }, "limits": { "maxConnections": 4 } }""");

        Assert.AreEqual(new PolicyLimits { MaxConnections = 4 }, policy.Limits);
        Assert.AreEqual(256, policy.Limits.MaxOpenHandles);
        Assert.AreEqual(1048576, policy.Limits.MaxMessageBytes);
        Assert.AreEqual(30, policy.Limits.RequestTimeoutSeconds);
    }

    [TestMethod]
    public void EveryLimitIsRead()
    {
        var policy = TestPolicies.Parse("""
            { "version": 1, "agents": { "users": ["privsep-agent"] },
              "limits": { "maxConnections": 8, "maxOpenHandles": 64, "maxMessageBytes": 65536, "maxConcurrentRequests": 4,
                          "maxRequestsPerSecond": 100, "handshakeTimeoutSeconds": 2, "requestTimeoutSeconds": 10, "handleIdleTimeoutSeconds": 60,
                          "connectionIdleTimeoutSeconds": 120, "messageTimeoutSeconds": 3 } }
            """);

        Assert.AreEqual(
            new PolicyLimits
            {
                MaxConnections = 8,
                MaxOpenHandles = 64,
                MaxMessageBytes = 65536,
                MaxConcurrentRequests = 4,
                MaxRequestsPerSecond = 100,
                HandshakeTimeoutSeconds = 2,
                RequestTimeoutSeconds = 10,
                HandleIdleTimeoutSeconds = 60,
                ConnectionIdleTimeoutSeconds = 120,
                MessageTimeoutSeconds = 3,
            },
            policy.Limits);
    }

    [TestMethod]
    [DataRow("maxConnections", "0")]
    [DataRow("maxConnections", "-1")]
    [DataRow("maxConnections", "100000")]
    [DataRow("maxOpenHandles", "0")]
    [DataRow("maxMessageBytes", "100")]
    [DataRow("maxMessageBytes", "10000000000")]
    [DataRow("maxConcurrentRequests", "0")]
    [DataRow("maxRequestsPerSecond", "0")]
    [DataRow("handshakeTimeoutSeconds", "0")]
    [DataRow("handshakeTimeoutSeconds", "3600")]
    [DataRow("requestTimeoutSeconds", "0")]
    [DataRow("handleIdleTimeoutSeconds", "0")]
    [DataRow("connectionIdleTimeoutSeconds", "0")]
    [DataRow("connectionIdleTimeoutSeconds", "100000")]
    [DataRow("messageTimeoutSeconds", "0")]
    [DataRow("messageTimeoutSeconds", "3601")]
    public void LimitOutOfRangeIsRefused(string name, string value)
    {
        var error = TestPolicies.Refused($$"""
            { "version": 1, "agents": { "users": ["privsep-agent"] },
              "limits": { "{{name}}": {{value}} } }
            """);

        PolicyLoadErrorTests.AssertAt(error, 2, 19 + name.Length, $"'limits.{name}' is {value}, out of range (use a value from ");
    }

    [TestMethod]
    [DataRow("1.5", "must be a whole number")]
    [DataRow("1e2", "must be a whole number")]
    [DataRow("true", "must be a number, found true")]
    public void LimitMustBeAWholeNumber(string value, string expected)
    {
        var error = TestPolicies.Refused($$"""{ "version": 1, "agents": { "users": ["privsep-agent"] }, "limits": { "maxConnections": {{value}} } }""");

        Assert.Contains(expected, error.Message);
    }

    [TestMethod]
    public void DefaultsAreWithinTheirOwnRanges()
    {
        // new PolicyLimits() is what a policy without "limits" gets; it must pass the same checks.
        var defaults = new PolicyLimits();
        var json = "{ " + string.Join(", ", typeof(PolicyLimits).GetProperties().Select(p => $"\"{char.ToLowerInvariant(p.Name[0])}{p.Name[1..]}\": {p.GetValue(defaults)}")) + " }";

        var policy = TestPolicies.Parse($$"""{ "version": 1, "agents": { "users": ["privsep-agent"] }, "limits": {{json}} }""");

        Assert.AreEqual(defaults, policy.Limits);
    }
}

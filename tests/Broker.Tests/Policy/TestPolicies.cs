using System.Text.Json;
using PrivSep.Broker.Policy;

namespace PrivSep.Broker.Tests.Policy;

/// <summary>Builds small policies for tests; the agent user "privsep-agent" has uid 1001.</summary>
internal static class TestPolicies
{
    public const string SourceName = "policy.json";

    public static readonly FakeUserDirectory Users = new(("privsep-agent", 1001), ("other-agent", 1002), ("root", 0));

    public static BrokerPolicy Parse(string json) => BrokerPolicy.Parse(json, SourceName, Users);

    public static BrokerPolicy Files(string[]? read = null, string[]? write = null, string[]? deny = null) =>
        Parse($$"""
            {
              "version": 1,
              "agents": { "users": ["privsep-agent"] },
              "files": { "read": {{Json(read)}}, "write": {{Json(write)}}, "deny": {{Json(deny)}} }
            }
            """);

    public static BrokerPolicy Ping(params string[] targets) =>
        Parse($$"""
            { "version": 1, "agents": { "users": ["privsep-agent"] }, "ping": { "targets": {{Json(targets)}} } }
            """);

    /// <summary>Parses a policy that must be refused, and returns why.</summary>
    public static PolicyException Refused(string json) =>
        Assert.ThrowsExactly<PolicyException>(() => Parse(json));

    public static string Json(string[]? values) => JsonSerializer.Serialize(values ?? []);
}

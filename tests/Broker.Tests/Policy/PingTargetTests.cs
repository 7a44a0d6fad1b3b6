using System.Net;

namespace PrivSep.Broker.Tests.Policy;

/// <summary>
/// Which hosts an agent may ping: networks match the address the broker resolved and will ping,
/// name patterns match the name the client asked for.
/// </summary>
[TestClass]
public sealed class PingTargetTests
{
    private static readonly PrivSep.Broker.Policy.BrokerPolicy Policy =
        TestPolicies.Ping("127.0.0.0/8", "10.0.0.0/8", "::1/128", "db*.example.com", "2001:db8::/32", "192.168.1.7", "host-?.lan");

    [TestMethod]
    [DataRow("127.0.0.1", "ping.targets[0] \"127.0.0.0/8\"")]
    [DataRow("127.255.255.254", "ping.targets[0] \"127.0.0.0/8\"")]
    [DataRow("10.20.30.40", "ping.targets[1] \"10.0.0.0/8\"")]
    [DataRow("::1", "ping.targets[2] \"::1/128\"")]
    [DataRow("2001:db8:1::5", "ping.targets[4] \"2001:db8::/32\"")]
    [DataRow("192.168.1.7", "ping.targets[5] \"192.168.1.7\"")]
    public void AddressInsideANetworkIsAllowed(string address, string rule)
    {
        var decision = Policy.CheckPing(null, IPAddress.Parse(address));

        Assert.IsTrue(decision.Allowed, address);
        Assert.AreEqual(rule, decision.Rule);
    }

    [TestMethod]
    [DataRow("11.0.0.1")]
    [DataRow("128.0.0.1")]
    [DataRow("192.168.1.8")]
    [DataRow("::2")]
    [DataRow("2001:db9::1")]
    [DataRow("8.8.8.8")]
    public void AddressOutsideEveryNetworkIsDenied(string address)
    {
        var decision = Policy.CheckPing(null, IPAddress.Parse(address));

        Assert.IsFalse(decision.Allowed, address);
        Assert.AreEqual("default deny (no ping.targets rule matches)", decision.Rule);
    }

    [TestMethod]
    public void Ipv4MappedIpv6AddressComparesAsIpv4()
    {
        Assert.IsTrue(Policy.CheckPing(null, IPAddress.Parse("::ffff:10.1.2.3")).Allowed);
        Assert.IsTrue(Policy.CheckPing(null, IPAddress.Parse("10.1.2.3").MapToIPv6()).Allowed);
        Assert.IsFalse(Policy.CheckPing(null, IPAddress.Parse("::ffff:8.8.8.8")).Allowed);
    }

    [TestMethod]
    public void Ipv4MappedNetworkComparesAsIpv4()
    {
        var policy = TestPolicies.Ping("::ffff:10.0.0.0/104");

        Assert.IsTrue(policy.CheckPing(null, IPAddress.Parse("10.9.9.9")).Allowed);
        Assert.IsFalse(policy.CheckPing(null, IPAddress.Parse("11.0.0.1")).Allowed);
    }

    [TestMethod]
    [DataRow("db1.example.com")]
    [DataRow("DB-primary.Example.COM")]
    [DataRow("db.example.com")]
    [DataRow("db1.example.com.", DisplayName = "a trailing dot is the same name")]
    public void NamePatternMatchesCaseInsensitively(string name)
    {
        // The address is outside every network: only the name can allow it.
        var decision = Policy.CheckPing(name, IPAddress.Parse("203.0.113.5"));

        Assert.IsTrue(decision.Allowed, name);
        Assert.AreEqual("ping.targets[3] \"db*.example.com\"", decision.Rule);
    }

    [TestMethod]
    [DataRow("web.example.com")]
    [DataRow("db1.example.org")]
    [DataRow("db1.other.example.com", DisplayName = "* does not cross a '.'")]
    [DataRow("db1.example.com.evil.net")]
    [DataRow("x.db1.example.com")]
    [DataRow("db1.example.com..")]
    [DataRow("db1 .example.com")]
    [DataRow("")]
    public void NameNotMatchingAnyPatternIsDenied(string name)
    {
        Assert.IsFalse(Policy.CheckPing(name, IPAddress.Parse("203.0.113.5")).Allowed, name);
    }

    [TestMethod]
    public void QuestionMarkMatchesOneCharacterInAName()
    {
        Assert.IsTrue(Policy.CheckPing("host-a.lan", IPAddress.Parse("203.0.113.5")).Allowed);
        Assert.IsFalse(Policy.CheckPing("host-ab.lan", IPAddress.Parse("203.0.113.5")).Allowed);
    }

    [TestMethod]
    [DataRow("10.0.0.1")]
    [DataRow("10.1")]
    [DataRow("0x0a000001")]
    public void NamePatternNeverMatchesAnAddressLiteral(string literal)
    {
        // "*" would match "10.0.0.1" as text if it were treated as a name; it must not be.
        var policy = TestPolicies.Ping("*.*.*.*", "*");

        Assert.IsFalse(policy.CheckPing(literal, IPAddress.Parse("203.0.113.5")).Allowed, literal);
        Assert.IsTrue(policy.CheckPing("a.b.c.d", IPAddress.Parse("203.0.113.5")).Allowed);
    }

    [TestMethod]
    public void NetworkDoesNotMatchByName()
    {
        var policy = TestPolicies.Ping("10.0.0.0/8");

        // A client naming "10.0.0.1" gets no allowance from the name; only the resolved address counts.
        Assert.IsFalse(policy.CheckPing("10.0.0.1", IPAddress.Parse("8.8.8.8")).Allowed);
        Assert.IsTrue(policy.CheckPing("anything.example", IPAddress.Parse("10.0.0.1")).Allowed);
    }

    [TestMethod]
    [DataRow("10.0.0.0/33", "prefix length '33' is out of range (0 to 32 for IPv4)")]
    [DataRow("::1/129", "prefix length '129' is out of range (0 to 128 for IPv6)")]
    [DataRow("10.0.0.0/-1", "prefix length '-1' is out of range")]
    [DataRow("10.0.0.0/", "prefix length '' is out of range")]
    [DataRow("10.0.0.1/8", "has host bits set (did you mean 10.0.0.0/8?)")]
    [DataRow("300.0.0.0/8", "'300.0.0.0' is not an IPv4 address")]
    [DataRow("10.0.0/8", "'10.0.0' is not an IPv4 address")]
    [DataRow("010.0.0.0/8", "'010.0.0.0' is not an IPv4 address")]
    [DataRow("10.0.0.256", "'10.0.0.256' is not an IPv4 address")]
    [DataRow("fe80::1%eth0/128", "is not an IPv4 address in dotted decimal (a.b.c.d) or an IPv6 address")]
    [DataRow("db*.example.com/24", "is not an IPv4 address")]
    public void InvalidNetworkIsRefused(string entry, string expected)
    {
        var error = TestPolicies.Refused($$"""
            { "version": 1, "agents": { "users": ["privsep-agent"] },
              "ping": { "targets": ["127.0.0.0/8", "{{entry}}"] } }
            """);

        PolicyLoadErrorTests.AssertAt(error, 2, 40, $"invalid network '{entry}' in 'ping.targets[1]'");
        Assert.Contains(expected, error.Message);
    }

    [TestMethod]
    [DataRow("db_1.example.com", "'_' is not allowed")]
    [DataRow("db..example.com", "empty label")]
    [DataRow(".example.com", "empty label")]
    [DataRow("10.0.0.*", "looks like an IP address")]
    [DataRow("host.123", "looks like an IP address")]
    [DataRow("", "is empty")]
    public void InvalidNamePatternIsRefused(string entry, string expected)
    {
        var error = TestPolicies.Refused($$"""{ "version": 1, "agents": { "users": ["privsep-agent"] }, "ping": { "targets": ["{{entry}}"] } }""");

        Assert.Contains($"invalid host name pattern '{entry}' in 'ping.targets[0]'", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [TestMethod]
    public void NamePatternLongerThan253CharactersIsRefused()
    {
        var name = string.Join('.', Enumerable.Repeat(new string('a', 60), 5));

        var error = TestPolicies.Refused($$"""{ "version": 1, "agents": { "users": ["privsep-agent"] }, "ping": { "targets": ["{{name}}"] } }""");

        Assert.Contains("longer than 253 characters", error.Message);
    }
}

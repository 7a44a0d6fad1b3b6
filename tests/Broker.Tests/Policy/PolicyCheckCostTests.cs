using System.Net;

namespace PrivSep.Broker.Tests.Policy;

/// <summary>
/// Checks run on every request (the broker targets 20,000 requests/s), so a check must not allocate:
/// globs are compiled at load and rule texts are built once.
/// </summary>
[TestClass]
public sealed class PolicyCheckCostTests
{
    [TestMethod]
    public void ChecksDoNotAllocate()
    {
        var policy = TestPolicies.Parse("""
            { "version": 1, "agents": { "users": ["privsep-agent"] },
              "files": { "read": ["/var/log/**", "/etc/mysql/debian.cnf", "/srv/**/logs/*.log"],
                         "write": ["/var/lib/privsep/sandbox/**"],
                         "deny": ["/etc/shadow", "/root/.ssh/**", "/var/log/secure*"] },
              "ping": { "targets": ["127.0.0.0/8", "::1/128", "db*.example.com"] } }
            """);
        var address = IPAddress.Parse("10.1.2.3");

        void CheckAll()
        {
            policy.CheckRead("/var/log/nginx/access.log");
            policy.CheckRead("/srv/www/a/b/logs/error.log");
            policy.CheckRead("/etc/passwd");
            policy.CheckWrite("/var/lib/privsep/sandbox/out/report.txt");
            policy.CheckPing("db1.example.com", address);
            policy.CheckPing(null, address);
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

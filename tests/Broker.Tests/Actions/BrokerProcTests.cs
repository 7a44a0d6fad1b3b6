using PrivSep.Broker.Tests.Harness;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Broker.Tests.Actions;

/// <summary>
/// The broker never serves its own /proc entries, whatever the policy says: its environment, memory and
/// descriptors are root's. The broker runs in this process, so this process's /proc is the broker's.
/// </summary>
[TestClass]
public sealed class BrokerProcTests
{
    private const string ProcPolicy = """
        {
          "version": 1,
          "agents": { "users": ["root"] },
          "files": { "read": ["/proc/**", "{root}/read/**"], "write": ["{root}/sandbox/**"], "deny": [] },
          "ping": { "targets": [] },
          "limits": { "handshakeTimeoutSeconds": 1 }
        }
        """;

    [TestMethod]
    [DataRow("/proc/self/environ")]
    [DataRow("/proc/thread-self/environ")]
    [DataRow("/proc/{pid}/environ")]
    [DataRow("/proc/{pid}/cmdline")]
    [DataRow("/proc/{pid}/status")]
    [DataRow("/proc/self/task/{pid}/environ")]
    [DataRow("/proc/{pid}/task/{pid}/environ")]
    public async Task The_brokers_own_proc_entries_are_denied_even_under_a_proc_read_rule(string template)
    {
        await using var broker = await TestBroker.StartAsync(ProcPolicy);
        await using var client = await broker.ConnectAsync();
        string path = template.Replace("{pid}", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

        var error = await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.ReadTextAsync(path));

        Assert.Contains("broker", error.Message);
        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.Service.GetFileStatusAsync(new PathRequest(path), CancellationToken.None));
        var entry = AuditTrail.Single(broker, "file.open", "path", path, "deny", "denied");
        Assert.Contains("/proc", entry.Rule ?? string.Empty);
    }

    [TestMethod]
    public async Task A_proc_read_rule_still_works_for_what_is_not_the_broker()
    {
        // The positive control: the denials above come from self-protection, not from a rule that matches nothing.
        await using var broker = await TestBroker.StartAsync(ProcPolicy);
        await using var client = await broker.ConnectAsync();

        string version = await client.ReadTextAsync("/proc/version");

        Assert.AreEqual(File.ReadAllText("/proc/version"), version);
    }

    [TestMethod]
    public async Task A_thread_of_the_broker_reached_by_its_thread_id_is_denied()
    {
        await using var broker = await TestBroker.StartAsync(ProcPolicy);
        await using var client = await broker.ConnectAsync();
        string pid = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string tid = Directory.GetDirectories($"/proc/{pid}/task").Select(Path.GetFileName).First(t => t != pid)!;

        // /proc/<tid> is not listed in /proc but resolves; it is the broker all the same.
        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.ReadTextAsync($"/proc/{tid}/environ"));
        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.ReadTextAsync($"/proc/{tid}/status"));
    }

    [TestMethod]
    public async Task The_brokers_proc_directories_are_not_listed_and_magic_links_are_not_followed()
    {
        await using var broker = await TestBroker.StartAsync(ProcPolicy);
        await using var client = await broker.ConnectAsync();

        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.Service.OpenDirectoryAsync(new PathRequest("/proc/self/fd"), CancellationToken.None));
        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.Service.OpenDirectoryAsync(new PathRequest("/proc/self"), CancellationToken.None));

        // /proc/<pid>/root and /proc/<pid>/fd/N are magic links: following them would escape any path check.
        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.ReadTextAsync("/proc/1/root/etc/hostname"));
        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.ReadTextAsync("/proc/1/cwd/etc/hostname"));

        // A link inside a read root pointing at /proc/self resolves to the broker's entry: denied too.
        string link = Path.Combine(broker.Root, "read", "env");
        File.CreateSymbolicLink(link, "/proc/self/environ");
        await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.ReadTextAsync(link));
    }
}

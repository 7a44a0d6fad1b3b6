using PrivSep.Broker.Tests.Harness;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Broker.Tests.Service;

/// <summary>If the broker cannot write its audit log, it performs no privileged action (fail closed).</summary>
[TestClass]
public sealed class AuditFailClosedTests
{
    [TestMethod]
    public async Task When_the_audit_log_cannot_be_written_requests_are_denied_and_nothing_further_is_done()
    {
        RequiresRoot.Check();
        using var volume = TinyAuditVolume.Mount();

        // Its own scope: the broker and its log are gone before the volume is unmounted.
        {
            string policy = TestBroker.DefaultPolicy;
            await using var broker = await TestBroker.StartAsync(policy, auditLogPath: volume.AuditLogPath);
            await using var client = await broker.ConnectAsync();
            await client.WriteTextAsync(Path.Combine(broker.Root, "sandbox", "before.txt"), "audited");

            // Fill the file system: the next audit line has nowhere to go.
            volume.Fill();

            // The space the log set aside beyond its end takes a few dozen more lines; write until the broker reports the failure.
            int attempts = 0;
            while (true)
            {
                Assert.IsLessThan(2000, ++attempts, "the audit log never filled up");
                try
                {
                    await client.WriteTextAsync(Path.Combine(broker.Root, "sandbox", $"fill-{attempts}.txt"), "x");
                }
                catch (StreamJsonRpc.RemoteInvocationException ex) when (ex.ErrorCode == (int)BrokerErrorCode.AuditUnavailable)
                {
                    break;
                }
            }

            string second = Path.Combine(broker.Root, "sandbox", "second.txt");
            var refusal = await BrokerAssert.FailsWith(BrokerErrorCode.AuditUnavailable, () => client.WriteTextAsync(second, "x"));

            StringAssert.Contains(refusal.Message, "cannot write its audit log");
            Assert.IsFalse(File.Exists(second), "once the log is known to be unwritable, the action is not performed at all");

            // A read has no effect before its answer, so it sets no room aside: it is served while its own (shorter) line
            // still fits beside the room promised to others, each one audited, and denied from then on.
            string before = Path.Combine(broker.Root, "sandbox", "before.txt");
            int served = 0;
            while (true)
            {
                Assert.IsLessThan(500, served, "reads were served without end on a full audit volume");
                try
                {
                    Assert.AreEqual("audited", await client.ReadTextAsync(before));
                    served++;
                }
                catch (StreamJsonRpc.RemoteInvocationException ex) when (ex.ErrorCode == (int)BrokerErrorCode.AuditUnavailable)
                {
                    break;
                }
            }

            Assert.AreEqual(served + 1, broker.AuditLines().Count(line => line.Contains("before.txt", StringComparison.Ordinal)), "the write and every read served has its line; the refused read has none");
        }
    }
}

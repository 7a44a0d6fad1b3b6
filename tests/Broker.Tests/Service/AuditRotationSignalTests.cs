using System.Diagnostics;
using PrivSep.Broker.Audit;
using PrivSep.Broker.Tests.Actions;
using PrivSep.Broker.Tests.Harness;

namespace PrivSep.Broker.Tests.Service;

/// <summary>SIGUSR1 makes a running broker start a new audit file chained to the old one, as logrotate's postrotate does.</summary>
[TestClass]
public sealed class AuditRotationSignalTests
{
    [TestMethod]
    public async Task After_logrotate_moves_the_log_SIGUSR1_starts_a_new_file_and_the_series_verifies()
    {
        await using var broker = await TestBroker.StartAsync();
        string file = Path.Combine(broker.Root, "sandbox", "f.txt");
        await using var client = await broker.ConnectAsync();
        await client.WriteTextAsync(file, "before");
        string moved = broker.AuditPath + ".1";
        File.Move(broker.AuditPath, moved);

        // The broker registered SIGUSR1 for itself; this test process is the broker's.
        using (var kill = Process.Start("kill", ["-USR1", Environment.ProcessId.ToString()]))
        {
            await kill.WaitForExitAsync();
        }

        var deadline = Stopwatch.StartNew();
        while (!File.Exists(broker.AuditPath) && deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(20);
        }

        await client.WriteTextAsync(file, "after");

        var first = AuditTrail.Parse(File.ReadLines(broker.AuditPath).First());
        Assert.AreEqual(AuditLog.RotateAction, first.Action);
        Assert.AreEqual(moved, first.Arg("previous"));
        Assert.IsTrue(AuditTrail.Read(broker).Any(line => line.Action == "file.open" && line.Arg("path") == file), "requests after the signal go to the new file");
        var result = AuditChainVerifier.VerifySeries(AuditLogSeries.Discover(broker.AuditPath));
        Assert.IsTrue(result.IsValid, string.Join(Environment.NewLine, result.Problems.Select(p => p.Description)));
    }
}

using System.Diagnostics;
using PrivSep.Broker.Audit;
using static PrivSep.Broker.Tests.Audit.AuditTestFiles;

namespace PrivSep.Broker.Tests.Audit;

/// <summary>
/// When a line cannot be written the broker must deny (fail closed), and no later line may
/// chain onto a torn one: a torn line is taken back before the next is tried.
/// </summary>
[TestClass]
public sealed class AuditWriteFailureTests
{
    [TestMethod]
    public void A_failing_write_throws_and_every_later_append_is_tried_again_and_throws_while_the_cause_lasts()
    {
        using var dir = new TempAuditDirectory();
        // /dev/full accepts the open and fails every write with ENOSPC: a real disk-full error.
        using AuditLog log = AuditLog.Open("/dev/full", dir.HeadPath);

        var first = Assert.ThrowsExactly<AuditWriteException>(() => log.Append(Record(1)));
        var second = Assert.ThrowsExactly<AuditWriteException>(() => log.Append(Record(2)));

        Assert.Contains("/dev/full", first.Message);
        Assert.Contains("No space left on device", first.Message);
        Assert.Contains("line 1 could not be written", second.Message, "nothing chained onto the failed line: the next one is line 1 again");
        Assert.Contains("No space left on device", second.Message);
        Assert.AreEqual(0, log.LastSequence);
        Assert.StartsWith("seq=00000000000000000000 ", File.ReadAllText(dir.HeadPath));
    }

    [TestMethod]
    public void A_disk_that_fills_mid_line_leaves_a_log_that_still_verifies_and_reopens()
    {
        using var dir = new TempAuditDirectory();
        string mount = Path.Combine(dir.Root, "small");
        Directory.CreateDirectory(mount);
        if (!Run("mount", "-t", "tmpfs", "-o", "size=16k", "privsep-audit-test", mount))
        {
            Assert.Inconclusive("mounting a small tmpfs needs root (CAP_SYS_ADMIN)");
        }

        try
        {
            string logPath = Path.Combine(mount, "audit.jsonl");
            long written = 0;
            AuditWriteException? failure = null;
            using (AuditLog log = AuditLog.Open(logPath, dir.HeadPath))
            {
                for (int i = 0; i < 10_000 && failure is null; i++)
                {
                    try
                    {
                        // Lines of about 1.3 KB: the one that fails almost surely straddles a
                        // page and is torn, which is the case that must be taken back.
                        log.Append(Record(i) with { Args = [new("path", new string('p', 1000))] });
                        written++;
                    }
                    catch (AuditWriteException e)
                    {
                        failure = e;
                    }
                }

                Assert.IsNotNull(failure, "the 16 KiB file system never filled up");
                Assert.ThrowsExactly<AuditWriteException>(() => log.Append(Record()));
                Assert.AreEqual(written, log.LastSequence);
            }

            // The torn start of the failed line was taken back: the chain ends on a whole line.
            AuditVerificationResult result = AuditChainVerifier.Verify(logPath, dir.HeadPath);
            Assert.IsTrue(result.IsValid, failure.Message + Environment.NewLine + Describe(result));
            Assert.AreEqual(written, result.LineCount);
            using AuditLog reopened = AuditLog.Open(logPath, dir.HeadPath);
            Assert.AreEqual(written, reopened.LastSequence);
        }
        finally
        {
            Run("umount", mount);
        }
    }

    private static bool Run(string program, params string[] arguments)
    {
        try
        {
            using Process process = Process.Start(new ProcessStartInfo(program, arguments)
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            })!;
            process.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}

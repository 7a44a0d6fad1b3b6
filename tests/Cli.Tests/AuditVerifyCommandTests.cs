using PrivSep.Broker.Audit;

namespace PrivSep.Cli.Tests;

[TestClass]
public sealed class AuditVerifyCommandTests
{
    private static void WriteLog(string path, int count)
    {
        using var log = AuditLog.Open(path);
        for (int i = 0; i < count; i++)
        {
            log.Append(new AuditRecord { Pid = 42, Uid = 1001, Gid = 1001, Plugin = "PingCheck", Action = "file.open", Args = [new("path", $"/var/log/app{i}.log")], ResolvedPath = $"/var/log/app{i}.log", Decision = "allow", Rule = "files.read[0] \"/var/log/**\"", Outcome = "ok" });
        }
    }

    [TestMethod]
    public async Task GoodLogIsValid()
    {
        using var dir = new TempDirectory();
        string log = dir.PathOf("audit.jsonl");
        WriteLog(log, 3);

        var run = await Cli.RunAsync("audit", "verify", log);

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Out, "valid — 3 lines");
    }

    [TestMethod]
    public async Task EditedLineIsReportedWithItsLineNumber()
    {
        using var dir = new TempDirectory();
        string log = dir.PathOf("audit.jsonl");
        WriteLog(log, 3);
        File.WriteAllText(log, File.ReadAllText(log).Replace("/var/log/app1.log", "/var/log/app9.log"));

        var run = await Cli.RunAsync("audit", "verify", log);

        Assert.AreEqual(1, run.ExitCode, run.ToString());
        StringAssert.Contains(run.Out, $"{log}: line 3:");
        StringAssert.Contains(run.Out, "INVALID");
    }

    [TestMethod]
    public async Task MissingLogIsAnInputError()
    {
        var run = await Cli.RunAsync("audit", "verify", "/nonexistent/audit.jsonl");

        Assert.AreEqual(2, run.ExitCode);
        StringAssert.Contains(run.Error, "/nonexistent/audit.jsonl does not exist");
    }

    [TestMethod]
    public async Task SeriesChecksEveryRotatedFileAndFindsAMissingOne()
    {
        using var dir = new TempDirectory();
        string log = dir.PathOf("audit.jsonl");
        using (var writer = AuditLog.Open(log, new AuditLogOptions { MaxFileBytes = 600 }))
        {
            for (int i = 0; i < 12; i++)
            {
                writer.Append(new AuditRecord { Pid = 42, Uid = 1001, Gid = 1001, Action = "file.open", Args = [new("path", $"/var/log/app{i}.log")], Decision = "allow", Outcome = "ok" });
            }
        }

        var files = AuditLogSeries.Discover(log);
        var whole = await Cli.RunAsync("audit", "verify", "--series", log);
        var explicitOrder = await Cli.RunAsync(["audit", "verify", .. files]);
        File.Delete(files[0]);
        var withoutOldest = await Cli.RunAsync("audit", "verify", "--series", log);
        var wholeRequired = await Cli.RunAsync("audit", "verify", "--series", "--whole", log);
        File.Delete(files[2]);
        var gap = await Cli.RunAsync("audit", "verify", "--series", log);

        Assert.AreEqual(0, whole.ExitCode, whole.ToString());
        StringAssert.Contains(whole.Out, $"in {files.Count} files");
        Assert.AreEqual(0, explicitOrder.ExitCode, explicitOrder.ToString());
        Assert.AreEqual(0, withoutOldest.ExitCode, withoutOldest.ToString());
        StringAssert.Contains(withoutOldest.Out, "the chain starts at seq");
        Assert.AreEqual(1, wholeRequired.ExitCode, wholeRequired.ToString());
        StringAssert.Contains(wholeRequired.Out, "not 1 (--whole)");
        Assert.AreEqual(1, gap.ExitCode, gap.ToString());
        StringAssert.Contains(gap.Out, "a file between them is missing");
    }
}

using PrivSep.Broker.Audit;
using PrivSep.Broker.Tests.Harness;
using static PrivSep.Broker.Tests.Audit.AuditTestFiles;

namespace PrivSep.Broker.Tests.Audit;

/// <summary>
/// The log rotates by size and on request (SIGUSR1, logrotate), and the chain goes on across its files: each new
/// file's first line is an audit.rotate line chained to the last line of the file before it, the head file always
/// names the newest line, and the verifier checks a series and finds a missing, reordered or cut file.
/// </summary>
[TestClass]
public sealed class AuditRotationTests
{
    private static readonly AuditLogOptions SmallFiles = new() { MaxFileBytes = 2000 };

    [TestMethod]
    public void By_size_the_log_becomes_a_series_of_files_whose_chain_verifies()
    {
        using var dir = new TempAuditDirectory();
        AppendRecords(dir.LogPath, SmallFiles, 40);

        IReadOnlyList<string> series = AuditLogSeries.Discover(dir.LogPath);
        Assert.IsGreaterThan(3, series.Count, "40 lines of ~300 bytes in files of 2000 bytes");
        Assert.AreEqual(dir.LogPath, series[^1], "the live log is the newest file");
        foreach (string file in series)
        {
            Assert.IsLessThan(SmallFiles.MaxFileBytes + 1000, new FileInfo(file).Length, $"{file} exceeds the limit by more than one line");
        }

        foreach (string file in series.Skip(1))
        {
            Assert.Contains("\"action\":\"audit.rotate\"", File.ReadLines(file).First(), $"{file} starts with the line that chains it to the file before");
        }

        AuditVerificationResult result = AuditChainVerifier.VerifySeries(series);
        Assert.IsTrue(result.IsValid, Describe(result));
        Assert.AreEqual(40 + series.Count - 1, result.LineCount);
        Assert.AreEqual(result.LineCount, result.LastSequence);
    }

    [TestMethod]
    public void A_log_named_through_a_symbolic_link_rotates_by_size_too()
    {
        // --audit-log /var/run/privsep/audit.jsonl where /var/run links to /run: /proc names the file by its real path.
        using var dir = new TempAuditDirectory();
        string real = Path.Combine(dir.Root, "real");
        Directory.CreateDirectory(real);
        string linked = Path.Combine(dir.Root, "linked");
        Directory.CreateSymbolicLink(linked, real);
        string logPath = Path.Combine(linked, "audit.jsonl");

        AppendRecords(logPath, SmallFiles, 40);

        IReadOnlyList<string> series = AuditLogSeries.Discover(logPath);
        Assert.IsGreaterThan(3, series.Count, "the log rotated by size (40 lines of ~300 bytes in files of 2000 bytes)");
        Assert.IsLessThan(SmallFiles.MaxFileBytes + 1000, new FileInfo(logPath).Length, "the live file stays near its limit");
        AuditVerificationResult result = AuditChainVerifier.VerifySeries(series);
        Assert.IsTrue(result.IsValid, Describe(result));
        Assert.AreEqual(40 + series.Count - 1, result.LineCount);
    }

    [TestMethod]
    public void On_request_the_broker_renames_the_file_itself_and_names_it_in_the_new_first_line()
    {
        using var dir = new TempAuditDirectory();
        using (AuditLog log = AuditLog.Open(dir.LogPath))
        {
            log.Append(Record(1));
            log.Append(Record(2));
            Assert.IsTrue(log.Rotate("signal"));
            log.Append(Record(3));
        }

        string archived = AuditLogSeries.ArchivePath(dir.LogPath, 2);
        Assert.AreEqual(2, File.ReadAllLines(archived).Length);
        var first = Actions.AuditTrail.Parse(File.ReadLines(dir.LogPath).First());
        Assert.AreEqual(AuditLog.RotateAction, first.Action);
        Assert.AreEqual(archived, first.Arg("previous"));
        Assert.AreEqual("signal", first.Arg("cause"));
        Assert.AreEqual(3, first.Seq);

        AuditVerificationResult result = AuditChainVerifier.VerifySeries(AuditLogSeries.Discover(dir.LogPath));
        Assert.IsTrue(result.IsValid, Describe(result));
        Assert.AreEqual(4, result.LastSequence);
    }

    [TestMethod]
    public void After_logrotate_moved_the_file_the_signal_starts_a_new_one_chained_to_it()
    {
        using var dir = new TempAuditDirectory();
        string moved = dir.LogPath + ".1";
        using (AuditLog log = AuditLog.Open(dir.LogPath))
        {
            log.Append(Record(1));
            File.Move(dir.LogPath, moved);
            log.Append(Record(2));
            Assert.IsTrue(log.Rotate("signal"));
            log.Append(Record(3));
        }

        Assert.AreEqual(2, File.ReadAllLines(moved).Length, "lines before the signal go on in the moved file");
        Assert.AreEqual(moved, Actions.AuditTrail.Parse(File.ReadLines(dir.LogPath).First()).Arg("previous"));
        AuditVerificationResult result = AuditChainVerifier.VerifySeries(AuditLogSeries.Discover(dir.LogPath));
        Assert.IsTrue(result.IsValid, Describe(result));
        Assert.AreEqual(4, result.LineCount);
    }

    [TestMethod]
    public void A_broker_restarted_after_its_log_was_moved_away_continues_the_chain_in_a_new_file()
    {
        using var dir = new TempAuditDirectory();
        AppendRecords(dir.LogPath, new AuditLogOptions(), 3);
        File.Move(dir.LogPath, dir.LogPath + ".1");

        using (AuditLog log = AuditLog.Open(dir.LogPath))
        {
            Assert.AreEqual(4, log.LastSequence, "the new file starts with the line naming the moved one");
            log.Append(Record(5));
        }

        var first = Actions.AuditTrail.Parse(File.ReadLines(dir.LogPath).First());
        Assert.AreEqual(AuditLog.RotateAction, first.Action);
        Assert.AreEqual("restart", first.Arg("cause"));
        AuditVerificationResult result = AuditChainVerifier.VerifySeries(AuditLogSeries.Discover(dir.LogPath));
        Assert.IsTrue(result.IsValid, Describe(result));
    }

    [TestMethod]
    public void Old_files_are_kept_unless_a_count_is_given_and_removed_ones_are_named_in_the_log()
    {
        using var dir = new TempAuditDirectory();
        AppendRecords(dir.LogPath, SmallFiles, 40);
        int keptByDefault = AuditLogSeries.Discover(dir.LogPath).Count;

        using var limited = new TempAuditDirectory();
        AppendRecords(limited.LogPath, SmallFiles with { KeepFiles = 2 }, 40);
        IReadOnlyList<string> series = AuditLogSeries.Discover(limited.LogPath);

        Assert.AreEqual(3, series.Count, "two rotated files and the live log");
        Assert.IsGreaterThan(3, keptByDefault, "without --audit-keep-files nothing is deleted");
        string removedLine = Directory.EnumerateFiles(limited.Root, "audit.jsonl*")
            .SelectMany(File.ReadLines)
            .Last(line => line.Contains("\"removed\":\"audit.jsonl.", StringComparison.Ordinal));
        Assert.IsNotNull(removedLine);

        // The oldest file kept starts mid-chain, with an audit.rotate line: valid, the chain simply starts later.
        AuditVerificationResult result = AuditChainVerifier.VerifySeries(series);
        Assert.IsTrue(result.IsValid, Describe(result));
        Assert.IsGreaterThan(1, result.FirstSequence);
    }

    [TestMethod]
    public void A_missing_file_in_the_middle_is_detected()
    {
        using var dir = new TempAuditDirectory();
        AppendRecords(dir.LogPath, SmallFiles, 40);
        var series = AuditLogSeries.Discover(dir.LogPath).ToList();
        series.RemoveAt(1);

        AuditVerificationResult result = AuditChainVerifier.VerifySeries(series);

        Assert.IsFalse(result.IsValid);
        StringAssert.Contains(Describe(result), "a file between them is missing");
    }

    [TestMethod]
    public void A_reordered_pair_of_files_is_detected()
    {
        using var dir = new TempAuditDirectory();
        AppendRecords(dir.LogPath, SmallFiles, 40);
        var series = AuditLogSeries.Discover(dir.LogPath).ToList();
        (series[1], series[2]) = (series[2], series[1]);

        AuditVerificationResult result = AuditChainVerifier.VerifySeries(series);

        Assert.IsFalse(result.IsValid);
        StringAssert.Contains(Describe(result), "out of order");
    }

    [TestMethod]
    public void Lines_cut_off_the_end_of_a_rotated_file_or_of_the_live_log_are_detected()
    {
        using var dir = new TempAuditDirectory();
        AppendRecords(dir.LogPath, SmallFiles, 40);
        var series = AuditLogSeries.Discover(dir.LogPath);
        string middle = series[1];
        WriteLines(middle, ReadLines(middle)[..^1]);

        AuditVerificationResult middleCut = AuditChainVerifier.VerifySeries(series);
        Assert.IsFalse(middleCut.IsValid);
        StringAssert.Contains(Describe(middleCut), Path.GetFileName(middle));

        using var live = new TempAuditDirectory();
        AppendRecords(live.LogPath, SmallFiles, 40);
        WriteLines(live.LogPath, ReadLines(live.LogPath)[..^1]);
        AuditVerificationResult tailCut = AuditChainVerifier.VerifySeries(AuditLogSeries.Discover(live.LogPath));
        Assert.IsFalse(tailCut.IsValid);
        StringAssert.Contains(Describe(tailCut), "cut off the end");
    }

    [TestMethod]
    public void A_file_whose_first_lines_were_removed_is_not_taken_for_a_rotated_one()
    {
        using var dir = new TempAuditDirectory();
        AppendRecords(dir.LogPath, new AuditLogOptions(), 5);
        WriteLines(dir.LogPath, ReadLines(dir.LogPath)[2..]);

        AuditVerificationResult result = AuditChainVerifier.Verify(dir.LogPath);

        Assert.IsFalse(result.IsValid);
        StringAssert.Contains(Describe(result), "line(s) before it were removed");
    }

    [TestMethod]
    public void On_a_full_disk_rotation_waits_every_reserved_line_is_written_and_the_series_verifies_once_space_returns()
    {
        RequiresRoot.Check();
        using var volume = TinyAuditVolume.Mount();
        string logPath = volume.AuditLogPath;
        {
            using AuditLog log = AuditLog.Open(logPath, new AuditLogOptions { MaxFileBytes = 3000 });
            for (int i = 0; i < 20; i++)
            {
                log.Append(Record(i));
            }

            volume.Fill();
            var reserved = new List<AuditReservation>();
            while (true)
            {
                Assert.IsLessThan(2000, reserved.Count, "the log never ran out of room");
                try
                {
                    reserved.Add(log.Reserve(Record(reserved.Count)));
                }
                catch (AuditWriteException)
                {
                    break;
                }
            }

            // Every promised line is written although the disk is full and the file is over its size (no rotation fits).
            foreach (AuditReservation reservation in reserved)
            {
                log.Append(Record(7), reservation);
                reservation.Dispose();
            }

            volume.Free();
            for (int i = 0; i < 20; i++)
            {
                log.Append(Record(i));
            }

            IReadOnlyList<string> series = AuditLogSeries.Discover(logPath);
            Assert.IsGreaterThan(1, series.Count, "once space returned the log rotated again");
            AuditVerificationResult result = AuditChainVerifier.VerifySeries(series);
            Assert.IsTrue(result.IsValid, Describe(result));
            Assert.AreEqual(log.LastSequence, result.LastSequence);
        }
    }

    private static void AppendRecords(string logPath, AuditLogOptions options, int count)
    {
        using AuditLog log = AuditLog.Open(logPath, options);
        for (int i = 0; i < count; i++)
        {
            log.Append(Record(i));
        }
    }
}

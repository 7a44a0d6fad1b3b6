using PrivSep.Broker.Audit;
using static PrivSep.Broker.Tests.Audit.AuditTestFiles;

namespace PrivSep.Broker.Tests.Audit;

/// <summary>
/// What the chain and the head file exist for: any edit, removal or truncation of the log is
/// reported by <c>privsep audit verify</c>, and the broker refuses to continue a chain whose end
/// does not agree with its head.
/// </summary>
[TestClass]
public sealed class AuditTamperDetectionTests
{
    private const int Lines = 10;

    [TestMethod]
    public void An_edited_middle_line_is_detected_by_the_next_lines_prev_hash()
    {
        using var dir = LogWithLines();
        EditLine(dir.LogPath, lineNumber: 5, "\"outcome\":\"ok\"", "\"outcome\":\"no\"");

        AuditVerificationResult result = AuditChainVerifier.Verify(dir.LogPath);

        Assert.IsFalse(result.IsValid);
        AuditProblem problem = result.Problems.Single();
        Assert.AreEqual(6, problem.LineNumber);
        Assert.AreEqual("line 6: prev hash does not match line 5 — line 5 was edited, or a line between them was removed", problem.Description);
    }

    [TestMethod]
    public void An_edited_last_line_is_detected_by_the_head_and_refused_by_open()
    {
        using var dir = LogWithLines();
        EditLine(dir.LogPath, lineNumber: Lines, "\"outcome\":\"ok\"", "\"outcome\":\"no\"");

        AuditVerificationResult result = AuditChainVerifier.Verify(dir.LogPath);

        Assert.IsFalse(result.IsValid);
        AuditProblem problem = result.Problems.Single();
        Assert.AreEqual(0, problem.LineNumber);
        Assert.Contains("the last line was edited", problem.Description);
        AssertOpenRefuses(dir, "hashes to");
    }

    [TestMethod]
    public void An_edit_that_breaks_the_json_is_reported_on_that_line()
    {
        using var dir = LogWithLines();
        EditLine(dir.LogPath, lineNumber: 3, "{\"seq\":3,", "{\"seq\":3");

        AuditVerificationResult result = AuditChainVerifier.Verify(dir.LogPath);

        Assert.IsFalse(result.IsValid);
        Assert.AreEqual(3, result.Problems[0].LineNumber);
        Assert.Contains("line 3: is not valid JSON", result.Problems[0].Description);
        Assert.AreEqual(4, result.Problems[1].LineNumber);
    }

    [TestMethod]
    public void A_deleted_middle_line_is_detected_by_the_seq_gap_and_the_prev_hash()
    {
        using var dir = LogWithLines();
        List<byte[]> lines = ReadLines(dir.LogPath);
        lines.RemoveAt(4);
        WriteLines(dir.LogPath, lines);

        AuditVerificationResult result = AuditChainVerifier.Verify(dir.LogPath);

        Assert.IsFalse(result.IsValid);
        Assert.AreEqual(Lines - 1, result.LineCount);
        CollectionAssert.AreEqual(
            new[]
            {
                "line 5: seq is 6, expected 5 — 1 line(s) before it were removed",
                "line 5: prev hash does not match line 4 — line 4 was edited, or a line between them was removed",
            },
            result.Problems.Select(p => p.Description).ToArray());
    }

    [TestMethod]
    public void Lines_cut_off_the_end_are_detected_by_the_head_and_refused_by_open()
    {
        using var dir = LogWithLines();
        WriteLines(dir.LogPath, ReadLines(dir.LogPath).Take(Lines - 2));

        AuditVerificationResult result = AuditChainVerifier.Verify(dir.LogPath);

        Assert.IsFalse(result.IsValid);
        Assert.AreEqual(Lines - 2, result.LastSequence);
        AuditProblem problem = result.Problems.Single();
        Assert.AreEqual(0, problem.LineNumber);
        Assert.AreEqual("head file: names seq 10, but the log ends at seq 8 (line 8) — 2 line(s) were cut off the end of the log", problem.Description);
        AssertOpenRefuses(dir, "the head file names seq 10 but the log's last line has seq 8");
    }

    [TestMethod]
    public void An_emptied_log_is_detected_and_refused_by_open()
    {
        using var dir = LogWithLines();
        File.WriteAllBytes(dir.LogPath, []);

        AuditVerificationResult result = AuditChainVerifier.Verify(dir.LogPath);

        Assert.IsFalse(result.IsValid);
        Assert.Contains("the log has no lines", result.Problems.Single().Description);
        AssertOpenRefuses(dir, "the log is empty but the head file names seq 10");
    }

    [TestMethod]
    public void A_partial_last_line_is_detected_and_refused_by_open()
    {
        using var dir = LogWithLines();
        byte[] bytes = File.ReadAllBytes(dir.LogPath);
        File.WriteAllBytes(dir.LogPath, bytes[..^20]);

        AuditVerificationResult result = AuditChainVerifier.Verify(dir.LogPath);

        Assert.IsFalse(result.IsValid);
        Assert.AreEqual(Lines, result.LineCount);
        Assert.IsTrue(result.Problems.Any(p =>
            p.LineNumber == Lines && p.Description.StartsWith($"line {Lines}: is incomplete (the log does not end with a line feed)", StringComparison.Ordinal)),
            Describe(result));
        AssertOpenRefuses(dir, "does not end with a line feed");
    }

    [TestMethod]
    public void Text_appended_without_a_line_feed_is_refused_by_open()
    {
        using var dir = LogWithLines();
        File.AppendAllText(dir.LogPath, "{\"seq\":11,");

        Assert.IsFalse(AuditChainVerifier.Verify(dir.LogPath).IsValid);
        AssertOpenRefuses(dir, "does not end with a line feed");
    }

    [TestMethod]
    public void A_head_that_disagrees_with_the_log_is_refused_by_open_with_the_way_out()
    {
        using var dir = LogWithLines();
        string head = File.ReadAllText(dir.HeadPath);
        File.WriteAllText(dir.HeadPath, head.Replace("seq=00000000000000000010", "seq=00000000000000000011", StringComparison.Ordinal));

        var e = Assert.ThrowsExactly<AuditLogException>(() => AuditLog.Open(dir.LogPath));

        Assert.Contains(dir.LogPath, e.Message);
        Assert.Contains("the head file names seq 11 but the log's last line has seq 10", e.Message);
        Assert.Contains("may have been tampered with or truncated", e.Message);
        Assert.Contains($"privsep audit verify {dir.LogPath}", e.Message);
        Assert.Contains("aside to start a new chain", e.Message);
    }

    [TestMethod]
    public void A_missing_head_is_a_problem_and_refused_by_open()
    {
        using var dir = LogWithLines();
        File.Delete(dir.HeadPath);

        AuditVerificationResult result = AuditChainVerifier.Verify(dir.LogPath);

        Assert.IsFalse(result.IsValid);
        AuditProblem problem = result.Problems.Single();
        Assert.AreEqual(0, problem.LineNumber);
        Assert.Contains("is missing", problem.Description);
        AssertOpenRefuses(dir, "is missing although the log has lines");
        Assert.IsFalse(File.Exists(dir.HeadPath), "a refused open must not create a head file");
    }

    [TestMethod]
    public void A_garbled_head_is_refused_by_open()
    {
        using var dir = LogWithLines();
        File.WriteAllText(dir.HeadPath, "seq=10\n");

        Assert.IsFalse(AuditChainVerifier.Verify(dir.LogPath).IsValid);
        AssertOpenRefuses(dir, "is not a head record");
    }

    [TestMethod]
    public void A_head_with_a_log_that_is_gone_is_refused_by_open()
    {
        using var dir = LogWithLines();
        File.Delete(dir.LogPath);

        Assert.IsFalse(AuditChainVerifier.Verify(dir.LogPath).IsValid);
        AssertOpenRefuses(dir, "the log is empty but the head file names seq 10");
    }

    [TestMethod]
    public void A_line_inserted_in_the_middle_is_detected()
    {
        using var dir = LogWithLines();
        List<byte[]> lines = ReadLines(dir.LogPath);
        lines.Insert(3, lines[2]);
        WriteLines(dir.LogPath, lines);

        AuditVerificationResult result = AuditChainVerifier.Verify(dir.LogPath);

        Assert.IsFalse(result.IsValid);
        Assert.IsTrue(result.Problems.Any(p => p.Description == "line 4: seq is 3, expected 4 — lines were duplicated, reordered or inserted"), Describe(result));
    }

    [TestMethod]
    public void A_line_with_an_extra_key_is_not_an_audit_line()
    {
        using var dir = LogWithLines();
        EditLine(dir.LogPath, lineNumber: 2, "\"pid\":4242,", "\"pid\":4242,\"admin\":true,");

        AuditVerificationResult result = AuditChainVerifier.Verify(dir.LogPath);

        Assert.AreEqual("line 2: has the key \"admin\" where \"uid\" was expected", result.Problems[0].Description);
    }

    [TestMethod]
    public void A_missing_log_is_a_problem_not_an_exception()
    {
        using var dir = new TempAuditDirectory();

        AuditVerificationResult result = AuditChainVerifier.Verify(dir.LogPath);

        Assert.IsFalse(result.IsValid);
        Assert.Contains("does not exist", result.Problems.Single().Description);
    }

    private static TempAuditDirectory LogWithLines()
    {
        var dir = new TempAuditDirectory();
        AppendRecords(dir.LogPath, Lines);
        AuditVerificationResult intact = AuditChainVerifier.Verify(dir.LogPath);
        Assert.IsTrue(intact.IsValid, Describe(intact));
        return dir;
    }

    private static void EditLine(string logPath, int lineNumber, string from, string to)
    {
        List<byte[]> lines = ReadLines(logPath);
        string text = Text(lines[lineNumber - 1]);
        Assert.Contains(from, text);
        lines[lineNumber - 1] = Bytes(text.Replace(from, to, StringComparison.Ordinal));
        WriteLines(logPath, lines);
    }

    private static void AssertOpenRefuses(TempAuditDirectory dir, string cause)
    {
        var e = Assert.ThrowsExactly<AuditLogException>(() => AuditLog.Open(dir.LogPath));
        Assert.Contains(cause, e.Message);
        Assert.Contains($"privsep audit verify {dir.LogPath}", e.Message);
    }
}

using System.Text.Json;
using System.Text.RegularExpressions;
using PrivSep.Broker.Audit;
using static PrivSep.Broker.Tests.Audit.AuditTestFiles;

namespace PrivSep.Broker.Tests.Audit;

[TestClass]
public sealed class AuditLogAppendTests
{
    private static readonly string[] ExpectedKeys =
        ["seq", "ts", "pid", "uid", "gid", "plugin", "action", "args", "path", "decision", "rule", "outcome", "durationUs", "prev"];

    [TestMethod]
    public void Appending_records_gives_a_log_that_verifies()
    {
        using var dir = new TempAuditDirectory();
        AppendRecords(dir.LogPath, 50);

        AuditVerificationResult result = AuditChainVerifier.Verify(dir.LogPath);

        Assert.IsTrue(result.IsValid, Describe(result));
        Assert.AreEqual(50, result.LineCount);
        Assert.AreEqual(50, result.LastSequence);
        Assert.IsEmpty(result.Problems);
    }

    [TestMethod]
    public void A_line_has_the_documented_keys_in_order_and_chains_to_the_previous_line()
    {
        using var dir = new TempAuditDirectory();
        AppendRecords(dir.LogPath, 2);
        List<byte[]> lines = ReadLines(dir.LogPath);

        using JsonDocument first = JsonDocument.Parse(lines[0]);
        JsonElement root = first.RootElement;
        CollectionAssert.AreEqual(ExpectedKeys, root.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.AreEqual(1, root.GetProperty("seq").GetInt64());
        Assert.MatchesRegex(new Regex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$"), root.GetProperty("ts").GetString());
        Assert.AreEqual(4242, root.GetProperty("pid").GetInt32());
        Assert.AreEqual("PingCheck", root.GetProperty("plugin").GetString());
        Assert.AreEqual("/var/log/app0.log", root.GetProperty("args").GetProperty("path").GetString());
        Assert.AreEqual("Open", root.GetProperty("args").GetProperty("mode").GetString());
        Assert.AreEqual("files.read[0] \"/var/log/**\"", root.GetProperty("rule").GetString());
        Assert.AreEqual(87, root.GetProperty("durationUs").GetInt64());
        Assert.AreEqual(new string('0', 64), root.GetProperty("prev").GetString());

        using JsonDocument second = JsonDocument.Parse(lines[1]);
        Assert.AreEqual(2, second.RootElement.GetProperty("seq").GetInt64());
        Assert.AreEqual(Sha256Hex(lines[0]), second.RootElement.GetProperty("prev").GetString());
    }

    [TestMethod]
    public void Null_fields_are_written_as_json_null()
    {
        using var dir = new TempAuditDirectory();
        using (AuditLog log = AuditLog.Open(dir.LogPath))
        {
            log.Append(new AuditRecord { Pid = 1, Uid = 2, Gid = 3, Action = "connect", Decision = "deny", Outcome = "denied" });
        }

        using JsonDocument line = JsonDocument.Parse(ReadLines(dir.LogPath)[0]);
        Assert.AreEqual(JsonValueKind.Null, line.RootElement.GetProperty("plugin").ValueKind);
        Assert.AreEqual(JsonValueKind.Null, line.RootElement.GetProperty("path").ValueKind);
        Assert.AreEqual(JsonValueKind.Null, line.RootElement.GetProperty("rule").ValueKind);
        Assert.AreEqual(0, line.RootElement.GetProperty("args").EnumerateObject().Count());
        Assert.IsTrue(AuditChainVerifier.Verify(dir.LogPath).IsValid);
    }

    [TestMethod]
    public void The_head_file_names_the_last_line_in_one_fixed_length_record()
    {
        using var dir = new TempAuditDirectory();
        AppendRecords(dir.LogPath, 42);

        string head = File.ReadAllText(dir.HeadPath);

        Assert.AreEqual($"seq=00000000000000000042 sha256={Sha256Hex(ReadLines(dir.LogPath)[^1])}\n", head);
    }

    [TestMethod]
    public void Reopening_continues_the_chain()
    {
        using var dir = new TempAuditDirectory();
        AppendRecords(dir.LogPath, 3);

        using (AuditLog log = AuditLog.Open(dir.LogPath))
        {
            Assert.AreEqual(3, log.LastSequence);
            log.Append(Record(3));
            log.Append(Record(4));
            Assert.AreEqual(5, log.LastSequence);
        }

        List<byte[]> lines = ReadLines(dir.LogPath);
        using JsonDocument fourth = JsonDocument.Parse(lines[3]);
        Assert.AreEqual(4, fourth.RootElement.GetProperty("seq").GetInt64());
        Assert.AreEqual(Sha256Hex(lines[2]), fourth.RootElement.GetProperty("prev").GetString());
        AuditVerificationResult result = AuditChainVerifier.Verify(dir.LogPath);
        Assert.IsTrue(result.IsValid, Describe(result));
        Assert.AreEqual(5, result.LastSequence);
    }

    [TestMethod]
    public void An_empty_log_without_a_head_starts_at_seq_1()
    {
        using var dir = new TempAuditDirectory();
        File.WriteAllBytes(dir.LogPath, []);

        using (AuditLog log = AuditLog.Open(dir.LogPath))
        {
            Assert.AreEqual(0, log.LastSequence);
            log.Append(Record());
            Assert.AreEqual(1, log.LastSequence);
        }

        Assert.IsTrue(AuditChainVerifier.Verify(dir.LogPath).IsValid);
    }

    [TestMethod]
    public void A_new_log_with_no_lines_verifies()
    {
        using var dir = new TempAuditDirectory();
        using (AuditLog.Open(dir.LogPath))
        {
        }

        AuditVerificationResult result = AuditChainVerifier.Verify(dir.LogPath);
        Assert.IsTrue(result.IsValid, Describe(result));
        Assert.AreEqual(0, result.LineCount);
    }

    [TestMethod]
    public void Open_creates_the_directory_0750_and_the_log_and_head_0600()
    {
        using var dir = new TempAuditDirectory();
        string logPath = Path.Combine(dir.Root, "privsep", "audit.jsonl");

        using AuditLog log = AuditLog.Open(logPath);

        Assert.AreEqual(logPath, log.LogPath);
        Assert.AreEqual(logPath + ".head", log.HeadPath);
        // The umask may narrow 0750 further, never widen it.
        UnixFileMode directoryMode = File.GetUnixFileMode(Path.GetDirectoryName(logPath)!);
        Assert.AreEqual(UnixFileMode.None, directoryMode & ~(UnixFileMode)0b111_101_000, directoryMode.ToString());
        Assert.AreEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(log.LogPath));
        Assert.AreEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(log.HeadPath));
    }

    [TestMethod]
    public void Concurrent_appends_get_consecutive_seqs_and_a_valid_chain()
    {
        using var dir = new TempAuditDirectory();
        const int threads = 8;
        const int perThread = 500;

        using (AuditLog log = AuditLog.Open(dir.LogPath))
        {
            using var start = new Barrier(threads);
            Task[] writers = Enumerable.Range(0, threads).Select(t => Task.Factory.StartNew(() =>
            {
                start.SignalAndWait();
                for (int i = 0; i < perThread; i++)
                {
                    log.Append(Record(t * perThread + i, plugin: $"Plugin{t}"));
                }
            }, TaskCreationOptions.LongRunning)).ToArray();
            Task.WaitAll(writers);
            Assert.AreEqual(threads * perThread, log.LastSequence);
        }

        AuditVerificationResult result = AuditChainVerifier.Verify(dir.LogPath);
        Assert.IsTrue(result.IsValid, Describe(result));
        Assert.AreEqual(threads * perThread, result.LineCount);
        Assert.AreEqual(threads * perThread, result.LastSequence);
    }

    [TestMethod]
    public void Verify_of_a_log_being_appended_to_finds_no_problem()
    {
        using var dir = new TempAuditDirectory();
        using AuditLog log = AuditLog.Open(dir.LogPath);
        using var stop = new CancellationTokenSource();
        Task writer = Task.Factory.StartNew(() =>
        {
            for (int i = 0; !stop.IsCancellationRequested; i++)
            {
                log.Append(Record(i));
                if (i % 16 == 0)
                {
                    Thread.Sleep(1); // a busy broker, not a flood that makes each verify slower
                }
            }
        }, TaskCreationOptions.LongRunning);

        try
        {
            for (int i = 0; i < 20; i++)
            {
                AuditVerificationResult result = AuditChainVerifier.Verify(dir.LogPath);
                Assert.IsTrue(result.IsValid, Describe(result));
            }
        }
        finally
        {
            stop.Cancel();
            writer.Wait();
        }
    }

    [TestMethod]
    public void A_second_open_of_a_log_in_use_is_refused()
    {
        using var dir = new TempAuditDirectory();
        using AuditLog first = AuditLog.Open(dir.LogPath);

        var e = Assert.ThrowsExactly<AuditLogException>(() => AuditLog.Open(dir.LogPath));

        StringAssert.Contains(e.Message, dir.LogPath);
        StringAssert.Contains(e.Message, "already open");
    }

    [TestMethod]
    public void Append_after_dispose_throws_AuditWriteException()
    {
        using var dir = new TempAuditDirectory();
        AuditLog log = AuditLog.Open(dir.LogPath);
        log.Dispose();

        Assert.ThrowsExactly<AuditWriteException>(() => log.Append(Record()));
    }
}

namespace PrivSep.Broker.Audit;

/// <summary>
/// Checks a whole audit log, streaming it: every line is an audit line, seq runs 1, 2, 3, …,
/// every prev is the SHA-256 of the line before it, the file ends with a line feed, and the head
/// file names the last line. This is what <c>privsep audit verify</c> runs. It takes no lock and
/// may run while the broker appends.
/// </summary>
public static class AuditChainVerifier
{
    /// <summary>Problems listed before the verifier only counts lines.</summary>
    public const int MaxProblemsListed = 1000;

    private const int RereadAttempts = 4;
    private static readonly TimeSpan RereadDelay = TimeSpan.FromMilliseconds(20);

    /// <param name="logPath">The log file.</param>
    /// <param name="headPath">The head file; <paramref name="logPath"/> + ".head" when null.</param>
    public static AuditVerificationResult Verify(string logPath, string? headPath = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(logPath);
        headPath ??= logPath + ".head";
        var chain = new ChainWalk();

        AuditLineReader reader;
        try
        {
            reader = new AuditLineReader(logPath);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            chain.Report(0, $"the log {logPath} does not exist");
            return chain.Result();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            chain.Report(0, $"the log {logPath} cannot be read: {e.Message}");
            return chain.Result();
        }

        using (reader)
        {
            try
            {
                // The broker writes a line before the head names it. So read the log, then the
                // head, then whatever the broker appended meanwhile: the line the head names is
                // then among the lines read, even on a live log.
                chain.ReadToEnd(reader);
                LineMark endOfLog = chain.Last;
                var appendedMeanwhile = new List<LineMark>();
                string? headProblem;
                for (int attempt = 1; ; attempt++)
                {
                    headProblem = AuditHeadFile.TryReadFile(headPath, out AuditHead head, out string headError)
                        ? null
                        : "head file: " + headError;
                    chain.ReadToEnd(reader, appendedMeanwhile);
                    headProblem ??= CheckHead(head, endOfLog, appendedMeanwhile);

                    // A live broker can be caught between its two writes (line written, head not
                    // yet), or a line spanning two pages can be seen half-written for an instant:
                    // look again before calling either a problem.
                    if ((headProblem is null && !reader.HasIncompleteLine) || attempt == RereadAttempts)
                    {
                        break;
                    }

                    Thread.Sleep(RereadDelay);
                }

                if (reader.HasIncompleteLine)
                {
                    chain.CountIncompleteLine();
                    chain.Report(chain.LineCount,
                        $"line {chain.LineCount}: is incomplete (the log does not end with a line feed) — "
                        + "the log was cut mid-line, or a write was interrupted");
                }

                if (headProblem is not null)
                {
                    chain.Report(0, headProblem);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                chain.Report(chain.LineCount + 1, $"line {chain.LineCount + 1}: cannot be read: {e.Message}");
            }
        }

        return chain.Result();
    }

    /// <summary>What is wrong with the head, or null when it names a line it should.</summary>
    private static string? CheckHead(AuditHead head, LineMark endOfLog, List<LineMark> appendedMeanwhile)
    {
        LineMark? named = head.Seq == endOfLog.Seq
            ? endOfLog
            : appendedMeanwhile.Find(mark => mark.Seq == head.Seq) is { LineNumber: > 0 } found ? found : null;

        if (named is { } line)
        {
            if (line.HashHex == head.HashHex)
            {
                return null;
            }

            return line.LineNumber == 0
                ? "head file: names seq 0 but not the hash of an empty chain — the head file was edited"
                : $"head file: records hash {Short(head.HashHex)} for seq {head.Seq}, but line {line.LineNumber} hashes to "
                  + $"{Short(line.HashHex)} — the last line was edited after it was written";
        }

        LineMark last = appendedMeanwhile.Count > 0 ? appendedMeanwhile[^1] : endOfLog;
        if (head.Seq > last.Seq)
        {
            return last.LineNumber == 0
                ? $"head file: names seq {head.Seq}, but the log has no lines — the log was emptied or replaced"
                : $"head file: names seq {head.Seq}, but the log ends at seq {last.Seq} (line {last.LineNumber}) — "
                  + $"{head.Seq - last.Seq} line(s) were cut off the end of the log";
        }

        return $"head file: names seq {head.Seq}, but the log goes on to seq {endOfLog.Seq} — lines after seq {head.Seq} "
            + "were added without updating the head file (a failed head update, or lines not written by the broker)";
    }

    private static string Short(string hashHex) => hashHex[..12] + "…";

    /// <summary>Where the chain stands after one line (line 0: before the first).</summary>
    private readonly record struct LineMark(long LineNumber, long Seq, string HashHex);

    /// <summary>The state carried from one line to the next, and the problems found so far.</summary>
    private sealed class ChainWalk
    {
        private readonly List<AuditProblem> _problems = [];
        private long _expectedSeq = 1;
        private long _lastParsedSeq;

        public LineMark Last { get; private set; } = new(0, 0, AuditLineFormat.GenesisHashHex);

        public long LineCount { get; private set; }

        public void ReadToEnd(AuditLineReader reader, List<LineMark>? marks = null)
        {
            while (reader.TryReadLine(out ReadOnlySpan<byte> line, out string hashHex, out bool tooLong))
            {
                Check(line, hashHex, tooLong);
                marks?.Add(Last);
            }
        }

        public void CountIncompleteLine() => LineCount++;

        public void Report(long lineNumber, string description)
        {
            if (_problems.Count < MaxProblemsListed)
            {
                _problems.Add(new AuditProblem(lineNumber, description));
            }
            else if (_problems.Count == MaxProblemsListed)
            {
                _problems.Add(new AuditProblem(0, $"more problems were found; only the first {MaxProblemsListed} are listed"));
            }
        }

        public AuditVerificationResult Result() =>
            new(_problems.Count == 0, LineCount, _lastParsedSeq, _problems);

        private void Check(ReadOnlySpan<byte> line, string hashHex, bool tooLong)
        {
            long number = ++LineCount;
            // A line that does not parse is assumed to hold the seq expected there, so that one
            // damaged line is reported once rather than as a cascade of seq errors.
            long seq = _expectedSeq;
            if (tooLong)
            {
                Report(number, $"line {number}: is longer than {AuditLineReader.MaxLineBytes / (1024 * 1024)} MiB, which no audit line is");
            }
            else if (!AuditLineParser.TryParse(line, out ParsedAuditLine parsed, out string error))
            {
                Report(number, $"line {number}: {error}");
            }
            else
            {
                seq = parsed.Seq;
                CheckSeq(number, seq);
                CheckPrev(number, parsed.PrevHashHex);
                _lastParsedSeq = seq;
            }

            _expectedSeq = seq + 1;
            Last = new LineMark(number, seq, hashHex);
        }

        private void CheckSeq(long number, long seq)
        {
            if (seq == _expectedSeq)
            {
                return;
            }

            Report(number, seq > _expectedSeq
                ? $"line {number}: seq is {seq}, expected {_expectedSeq} — {seq - _expectedSeq} line(s) before it were removed"
                : $"line {number}: seq is {seq}, expected {_expectedSeq} — lines were duplicated, reordered or inserted");
        }

        private void CheckPrev(long number, string prevHashHex)
        {
            if (prevHashHex == Last.HashHex)
            {
                return;
            }

            Report(number, number == 1
                ? "line 1: prev hash is not the 64 zeros that start a chain — lines before it were removed, or it was edited"
                : $"line {number}: prev hash does not match line {number - 1} — line {number - 1} was edited, "
                  + "or a line between them was removed");
        }
    }
}

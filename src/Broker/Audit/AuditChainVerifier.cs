namespace PrivSep.Broker.Audit;

/// <summary>
/// Checks a whole audit log, or the series of files a rotated log became, streaming it: every line is an audit line,
/// seq runs on by one, every prev is the SHA-256 of the line before it (across files too), every file ends with a
/// line feed, and the head file names the last line of the last file. A chain starts at seq 1, or, when older files
/// were removed, at an audit.rotate line. This is what <c>privsep audit verify</c> runs. It takes no lock and may run
/// while the broker appends (a rotation while it runs can be reported as a problem: run it again).
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
        return VerifySeries([logPath], headPath);
    }

    /// <summary>Checks <paramref name="logPaths"/> as one chain, in the order given, oldest first.</summary>
    /// <param name="logPaths">The files, oldest first; the last is the live log (see <see cref="AuditLogSeries.Discover"/>).</param>
    /// <param name="headPath">The head file; the last file + ".head" when null.</param>
    public static AuditVerificationResult VerifySeries(IReadOnlyList<string> logPaths, string? headPath = null)
    {
        ArgumentNullException.ThrowIfNull(logPaths);
        ArgumentOutOfRangeException.ThrowIfZero(logPaths.Count);
        headPath ??= logPaths[^1] + ".head";
        var chain = new ChainWalk();
        for (int i = 0; i < logPaths.Count - 1; i++)
        {
            using AuditLineReader? reader = chain.StartFile(logPaths[i]);
            if (reader is not null)
            {
                ReadRotatedFile(chain, reader);
            }
        }

        using (AuditLineReader? live = chain.StartFile(logPaths[^1]))
        {
            if (live is not null)
            {
                ReadLiveFile(chain, live, headPath);
            }
        }

        return chain.Result();
    }

    private static void ReadRotatedFile(ChainWalk chain, AuditLineReader reader)
    {
        try
        {
            chain.ReadToEnd(reader);
            if (reader.HasIncompleteLine)
            {
                chain.ReportIncompleteLine();
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            chain.ReportUnreadable(e);
        }
    }

    private static void ReadLiveFile(ChainWalk chain, AuditLineReader reader, string headPath)
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
                chain.ReportIncompleteLine();
            }

            if (headProblem is not null)
            {
                chain.Report(0, headProblem);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            chain.ReportUnreadable(e);
        }
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

    /// <summary>The state carried from one line to the next (and one file to the next), and the problems found so far.</summary>
    private sealed class ChainWalk
    {
        private readonly List<AuditProblem> _problems = [];
        private long _expectedSeq = 1;
        private long _lastParsedSeq;
        private long _firstSeq;
        private bool _started;
        private string _file = "";
        private string? _previousFile;

        public LineMark Last { get; private set; } = new(0, 0, AuditLineFormat.GenesisHashHex);

        /// <summary>Lines read in every file.</summary>
        public long LineCount { get; private set; }

        /// <summary>Lines read in the current file.</summary>
        private long FileLine { get; set; }

        /// <summary>Opens the next file of the series; null (reported) when it cannot be read.</summary>
        public AuditLineReader? StartFile(string path)
        {
            _previousFile = _started || LineCount > 0 ? _file : null;
            _file = path;
            FileLine = 0;
            try
            {
                return new AuditLineReader(path);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                Report(0, $"the log {path} does not exist");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Report(0, $"the log {path} cannot be read: {e.Message}");
            }

            return null;
        }

        public void ReadToEnd(AuditLineReader reader, List<LineMark>? marks = null)
        {
            while (reader.TryReadLine(out ReadOnlySpan<byte> line, out string hashHex, out bool tooLong))
            {
                Check(line, hashHex, tooLong);
                marks?.Add(Last);
            }
        }

        public void ReportIncompleteLine()
        {
            LineCount++;
            FileLine++;
            Report(FileLine, $"line {FileLine}{In()}: is incomplete (the log does not end with a line feed) — "
                + "the log was cut mid-line, or a write was interrupted");
        }

        public void ReportUnreadable(Exception e) =>
            Report(FileLine + 1, $"line {FileLine + 1}{In()}: cannot be read: {e.Message}");

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
            new(_problems.Count == 0, LineCount, _lastParsedSeq, _problems) { FirstSequence = _firstSeq };

        /// <summary>" of FILE" once a series spans several files, so a line number says where it is.</summary>
        private string In() => _previousFile is null ? "" : $" of {_file}";

        private void Check(ReadOnlySpan<byte> line, string hashHex, bool tooLong)
        {
            LineCount++;
            long number = ++FileLine;
            // A line that does not parse is assumed to hold the seq expected there, so that one
            // damaged line is reported once rather than as a cascade of seq errors.
            long seq = _expectedSeq;
            if (tooLong)
            {
                Report(number, $"line {number}{In()}: is longer than {AuditLineReader.MaxLineBytes / (1024 * 1024)} MiB, which no audit line is");
            }
            else if (!AuditLineParser.TryParse(line, out ParsedAuditLine parsed, out string error))
            {
                Report(number, $"line {number}{In()}: {error}");
            }
            else
            {
                seq = parsed.Seq;
                if (!_started && seq > 1 && parsed.IsRotation)
                {
                    // The oldest file at hand was rotated out of a longer chain: the chain starts here.
                    _expectedSeq = seq;
                    Last = Last with { HashHex = parsed.PrevHashHex };
                }

                _started = true;
                if (_firstSeq == 0)
                {
                    _firstSeq = seq;
                }

                bool seqInOrder = CheckSeq(number, seq);
                CheckPrev(number, parsed.PrevHashHex, seqInOrder);
                _lastParsedSeq = seq;
            }

            _expectedSeq = seq + 1;
            Last = new LineMark(number, seq, hashHex);
        }

        private bool CheckSeq(long number, long seq)
        {
            if (seq == _expectedSeq)
            {
                return true;
            }

            if (number == 1 && _previousFile is not null)
            {
                Report(number, $"the first line of {_file} has seq {seq}, but {_previousFile} ends at seq {_expectedSeq - 1} — "
                    + (seq > _expectedSeq
                        ? $"the files are out of order, a file between them is missing, or {seq - _expectedSeq} line(s) were cut off the end of {_previousFile}"
                        : "the files are out of order, or lines were duplicated"));
                return false;
            }

            Report(number, seq > _expectedSeq
                ? $"line {number}{In()}: seq is {seq}, expected {_expectedSeq} — {seq - _expectedSeq} line(s) before it were removed"
                : $"line {number}{In()}: seq is {seq}, expected {_expectedSeq} — lines were duplicated, reordered or inserted");
            return false;
        }

        private void CheckPrev(long number, string prevHashHex, bool seqInOrder)
        {
            if (prevHashHex == Last.HashHex)
            {
                return;
            }

            if (number == 1 && _previousFile is not null)
            {
                if (seqInOrder)
                {
                    Report(number, $"the first line of {_file} does not chain to the last line of {_previousFile} (its prev hash differs) — "
                        + $"the last line of {_previousFile} was edited or replaced");
                }

                return;
            }

            Report(number, Last.LineNumber == 0 && _previousFile is null
                ? "line 1: prev hash is not the 64 zeros that start a chain — lines before it were removed, or it was edited"
                : $"line {number}{In()}: prev hash does not match line {number - 1} — line {number - 1} was edited, "
                  + "or a line between them was removed");
        }
    }
}

using System.Security.Cryptography;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace PrivSep.Broker.Audit;

/// <summary>
/// The broker's hash-chained audit log: one JSON line per privileged request, each carrying the
/// SHA-256 of the line before it, plus a head file naming the newest line. <see cref="Append"/>
/// returns only once the line is in the kernel and the head names it; if that cannot be done the
/// log refuses every later append too (fail closed), so no line ever chains onto a torn one.
/// </summary>
public sealed class AuditLog : IDisposable
{
    private readonly Lock _gate = new();
    private readonly SafeFileHandle _log;
    private readonly AuditHeadFile _head;
    private readonly AuditLineWriter _lineWriter = new();
    private readonly byte[] _lastHashHex = new byte[AuditLineFormat.HashHexLength];
    private long _lastSequence;
    private AuditWriteException? _failure;
    private bool _disposed;

    private AuditLog(string logPath, SafeFileHandle log, AuditHeadFile head, AuditHead start)
    {
        LogPath = logPath;
        HeadPath = head.Path;
        _log = log;
        _head = head;
        _lastSequence = start.Seq;
        Encoding.ASCII.GetBytes(start.HashHex, _lastHashHex);
    }

    /// <summary>The log file, as a full path.</summary>
    public string LogPath { get; }

    /// <summary>The head file, <see cref="LogPath"/> + ".head".</summary>
    public string HeadPath { get; }

    /// <summary>
    /// False once a write failed or the log was closed: the broker checks it before performing an action with side
    /// effects, so nothing is done that could not be audited.
    /// </summary>
    public bool IsWritable
    {
        get
        {
            lock (_gate)
            {
                return _failure is null && !_disposed;
            }
        }
    }

    /// <summary>The seq of the newest line written (0 before the first).</summary>
    public long LastSequence => Volatile.Read(ref _lastSequence);

    /// <summary>
    /// Opens the log at <paramref name="logPath"/>, creating it, its directory and its head file
    /// (<paramref name="logPath"/> + ".head") when missing, or continues an existing chain after
    /// checking that the log's last line and the head file agree.
    /// </summary>
    /// <exception cref="AuditLogException">The files cannot be opened, or the chain cannot be
    /// continued; the message names the file, the cause and the fix.</exception>
    public static AuditLog Open(string logPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(logPath);
        return Open(logPath, logPath + ".head");
    }

    /// <summary>
    /// As <see cref="Open(string)"/> with the head file elsewhere: lets tests put the log on a
    /// device that fails writes (/dev/full, a full tmpfs) while the head stays writable.
    /// </summary>
    internal static AuditLog Open(string logPath, string headPath)
    {
        logPath = Path.GetFullPath(logPath);
        headPath = Path.GetFullPath(headPath);
        CreateDirectoryIfMissing(logPath);
        CreateDirectoryIfMissing(headPath);

        SafeFileHandle log = OpenOrExplain(logPath, AuditFileSyscalls.OpenForAppend);
        AuditHeadFile? head = null;
        try
        {
            if (!AuditFileSyscalls.TryLockExclusive(log, logPath))
            {
                throw new AuditLogException(
                    $"Audit log {logPath} is already open for writing by another process (is another privsep-broker running?). "
                    + "Stop it, or give this broker its own --audit-log: two writers would fork the hash chain.");
            }

            long length = AuditFileSyscalls.Length(log, logPath);
            head = OpenOrExplain(headPath, AuditHeadFile.OpenExisting);
            AuditHead start = head is null
                ? StartNewChain(logPath, headPath, length, out head)
                : ContinueChain(logPath, log, length, head);
            return new AuditLog(logPath, log, head, start);
        }
        catch (Exception e)
        {
            head?.Dispose();
            log.Dispose();
            if (e is IOException or UnauthorizedAccessException)
            {
                throw new AuditLogException(
                    $"Audit log {logPath} cannot be opened: {e.Message}. "
                    + "Check that the broker runs as root and the file system is writable, or choose another --audit-log.", e);
            }

            throw;
        }
    }

    /// <summary>
    /// Writes one line for <paramref name="record"/> and flushes it to the kernel, then records
    /// it in the head file. Thread-safe. When this throws, the broker must deny the request.
    /// </summary>
    /// <exception cref="AuditWriteException">The line could not be written, or an earlier one
    /// could not (the log stays unusable until the broker restarts), or the log is closed.</exception>
    public void Append(AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_gate)
        {
            ThrowIfUnusable();
            long seq = _lastSequence + 1;
            ReadOnlySpan<byte> line;
            try
            {
                line = _lineWriter.Format(seq, DateTime.UtcNow, record, _lastHashHex);
            }
            catch (Exception e)
            {
                // Nothing reached the file, so the log stays usable; only this request is denied.
                throw new AuditWriteException($"Audit record for action '{record.Action}' could not be formatted: {e.Message}", e);
            }

            Span<byte> hash = stackalloc byte[AuditLineFormat.HashBytes];
            SHA256.HashData(line[..^1], hash);
            WriteLineOrFail(line, seq);
            WriteHeadOrFail(seq, hash);

            Convert.TryToHexStringLower(hash, _lastHashHex, out _);
            Volatile.Write(ref _lastSequence, seq);
        }
    }

    /// <summary>Puts both files on disk (best effort) and closes them; later appends throw.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            AuditFileSyscalls.Sync(_log);
            _head.Sync();
            _lineWriter.Dispose();
            _head.Dispose();
            _log.Dispose();
        }
    }

    private void ThrowIfUnusable()
    {
        if (_failure is not null)
        {
            throw new AuditWriteException(
                $"Audit log {LogPath} is unusable since an earlier write failed ({_failure.Message}); "
                + "every privileged request is denied until the cause is fixed and the broker restarted.", _failure);
        }

        if (_disposed)
        {
            throw new AuditWriteException($"Audit log {LogPath} is closed (the broker is shutting down).");
        }
    }

    private void WriteLineOrFail(ReadOnlySpan<byte> line, long seq)
    {
        (int written, int errno) = AuditFileSyscalls.Append(_log, line);
        if (errno == 0)
        {
            return;
        }

        string leftover = written == 0 ? "nothing was written" : TakeBackPartialLine(written);
        Fail($"line {seq} could not be written to {LogPath}: {AuditFileSyscalls.Describe(errno)}; {leftover}");
    }

    /// <summary>
    /// Removes the start of a line that a failing write left behind, so that the log still ends
    /// with a complete line that agrees with the head file and the broker can restart on it.
    /// With O_APPEND the torn bytes are exactly the last <paramref name="written"/> bytes.
    /// </summary>
    private string TakeBackPartialLine(int written)
    {
        try
        {
            long length = AuditFileSyscalls.Length(_log, LogPath);
            int errno = AuditFileSyscalls.Truncate(_log, length - written);
            return errno == 0
                ? $"the {written} bytes that were written have been removed"
                : $"{written} bytes of a partial line remain at the end ({AuditFileSyscalls.Describe(errno)})";
        }
        catch (IOException e)
        {
            return $"{written} bytes of a partial line remain at the end ({e.Message})";
        }
    }

    private void WriteHeadOrFail(long seq, ReadOnlySpan<byte> hash)
    {
        try
        {
            _head.Write(seq, hash);
        }
        catch (IOException e)
        {
            Fail($"line {seq} was written but the head file {HeadPath} could not be updated: {e.Message}");
        }
    }

    private void Fail(string reason)
    {
        _failure = new AuditWriteException(reason);
        throw _failure;
    }

    private static AuditHead StartNewChain(string logPath, string headPath, long logLength, out AuditHeadFile head)
    {
        if (logLength != 0)
        {
            throw CannotContinue(logPath, headPath,
                $"the head file {headPath} is missing although the log has lines, so lines cut off its end could not be detected");
        }

        head = OpenOrExplain(headPath, AuditHeadFile.CreateEmpty);
        return AuditHead.Empty;
    }

    private static AuditHead ContinueChain(string logPath, SafeFileHandle log, long logLength, AuditHeadFile head)
    {
        if (!head.TryRead(out AuditHead recorded, out string headError))
        {
            throw CannotContinue(logPath, head.Path, $"the head file {head.Path} {headError}");
        }

        if (!AuditLogTail.TryReadLastLine(log, logPath, logLength, out AuditHead actual, out string tailError))
        {
            throw CannotContinue(logPath, head.Path, tailError);
        }

        if (recorded.Seq != actual.Seq)
        {
            throw CannotContinue(logPath, head.Path, actual.Seq == 0
                ? $"the log is empty but the head file names seq {recorded.Seq}"
                : $"the head file names seq {recorded.Seq} but the log's last line has seq {actual.Seq}");
        }

        if (recorded.HashHex != actual.HashHex)
        {
            throw CannotContinue(logPath, head.Path,
                $"the log's last line (seq {actual.Seq}) hashes to {actual.HashHex[..12]}…, not to {recorded.HashHex[..12]}… as the head file records");
        }

        return actual;
    }

    private static AuditLogException CannotContinue(string logPath, string headPath, string what) =>
        new($"Audit log {logPath} cannot be continued: {what}. "
            + "The log may have been tampered with or truncated. "
            + $"Run `privsep audit verify {logPath}` to see what is wrong, "
            + $"then move {logPath} and {headPath} aside to start a new chain.");

    private static void CreateDirectoryIfMissing(string filePath)
    {
        string? directory = Path.GetDirectoryName(filePath);
        if (directory is null || Directory.Exists(directory))
        {
            return;
        }

        try
        {
            Directory.CreateDirectory(directory,
                UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AuditLogException(
                $"Audit log directory {directory} cannot be created: {e.Message}. "
                + "Create it (root-owned, mode 0750) or choose another --audit-log.", e);
        }
    }

    private static T OpenOrExplain<T>(string path, Func<string, T> open)
    {
        try
        {
            return open(path);
        }
        catch (IOException e)
        {
            throw new AuditLogException(
                $"Audit file {path} cannot be opened: {e.Message}. "
                + "Check that the broker runs as root and the file system is writable, or choose another --audit-log.", e);
        }
    }
}

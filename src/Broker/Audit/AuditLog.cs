using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using PrivSep.Broker.Interop;

namespace PrivSep.Broker.Audit;

/// <summary>
/// The broker's hash-chained audit log: one JSON line per privileged request, each carrying the SHA-256 of the line
/// before it, plus a head file naming the newest line. <see cref="Append"/> returns only once the line is in the kernel
/// and the head names it. An action with effects first <see cref="Reserve"/>s room for its line (space the file owns
/// beyond its end), so a disk that fills while it runs cannot leave it unaudited. No line ever chains onto a torn one: a
/// failed write is taken back (or repaired) before the next line, and the log serves again by itself once it can.
/// The log rotates by size (<see cref="AuditLogOptions.MaxFileBytes"/>) and on request (<see cref="Rotate"/>, SIGUSR1):
/// the new file's first line is an <c>audit.rotate</c> line chained to the old file's last.
/// </summary>
public sealed class AuditLog : IDisposable
{
    /// <summary>The action of the first line of every file but the chain's first.</summary>
    public const string RotateAction = "audit.rotate";

    /// <summary>
    /// What an action's line may grow by between its reservation and its writing: the outcome, the duration, a refusal's
    /// rule, the command's user and pid. Everything else (arguments, path, rule) is known before the action runs.
    /// </summary>
    internal const int ReservationMargin = 1024;

    private readonly Lock _gate = new();
    private readonly AuditHeadFile _head;
    private readonly AuditLineWriter _lineWriter = new();
    private readonly byte[] _lastHashHex = new byte[AuditLineFormat.HashHexLength];
    private readonly AuditLogOptions _options;
    private AuditLogFile _file;
    private long _lastSequence;
    private long _promised;
    private long _sizeRotationRetryAt;
    /// <summary>
    /// Where a partial line starts that a failed write left and a failed truncate could not remove, and in which file:
    /// a rotation that fails after it discards that file, and the live log must never be cut at the other file's offset.
    /// </summary>
    private (AuditLogFile File, long Start)? _torn;
    private bool _headStale;
    private DateTime? _unavailableSince;
    private long _refusedWhileUnavailable;
    private bool _disposed;

    private AuditLog(string logPath, AuditLogFile file, AuditHeadFile head, AuditHead start, AuditLogOptions options)
    {
        LogPath = logPath;
        HeadPath = head.Path;
        _file = file;
        _head = head;
        _options = options;
        _lastSequence = start.Seq;
        Encoding.ASCII.GetBytes(start.HashHex, _lastHashHex);
    }

    /// <summary>The log file, as a full path.</summary>
    public string LogPath { get; }

    /// <summary>The head file, <see cref="LogPath"/> + ".head".</summary>
    public string HeadPath { get; }

    /// <summary>The seq of the newest line written (0 before the first).</summary>
    public long LastSequence => Volatile.Read(ref _lastSequence);

    /// <summary>
    /// Opens the log at <paramref name="logPath"/>, creating it, its directory and its head file
    /// (<paramref name="logPath"/> + ".head") when missing, or continues an existing chain after checking that the
    /// log's last line and the head file agree (or, for an empty log after a rotation, that a rotated file beside it
    /// ends with the line the head names).
    /// </summary>
    /// <exception cref="AuditLogException">The files cannot be opened, or the chain cannot be
    /// continued; the message names the file, the cause and the fix.</exception>
    public static AuditLog Open(string logPath, AuditLogOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(logPath);
        return Open(logPath, logPath + ".head", options);
    }

    /// <summary>
    /// As <see cref="Open(string, AuditLogOptions?)"/> with the head file elsewhere: lets tests put the log on a
    /// device that fails writes (/dev/full, a full tmpfs) while the head stays writable.
    /// </summary>
    internal static AuditLog Open(string logPath, string headPath, AuditLogOptions? options = null)
    {
        options ??= new AuditLogOptions();
        logPath = Path.GetFullPath(logPath);
        headPath = Path.GetFullPath(headPath);
        CreateDirectoryIfMissing(logPath);
        CreateDirectoryIfMissing(headPath);

        AuditLogFile file = OpenOrExplain(logPath, path => AuditLogFile.OpenLocked(path, options.ReserveBytes))
            ?? throw new AuditLogException(
                $"Audit log {logPath} is already open for writing by another process (is another privsep-broker running?). "
                + "Stop it, or give this broker its own --audit-log: two writers would fork the hash chain.");
        AuditHeadFile? head = null;
        try
        {
            head = OpenOrExplain(headPath, AuditHeadFile.OpenExisting);
            string? continues = null;
            AuditHead start = head is null
                ? StartNewChain(logPath, headPath, file.Length, out head)
                : ContinueChain(logPath, file, head, out continues);
            var log = new AuditLog(logPath, file, head, start, options);
            if (continues is not null)
            {
                log.StartFileAfter(continues);
            }

            string? noRoom = file.TryMakeRoom(0, 1);
            if (!file.CanSetSpaceAside)
            {
                BrokerLog.Warning($"audit log {logPath}: its file system cannot set space aside (fallocate), so a disk that fills up is only "
                    + "noticed when a line fails, after the action it records; put the log on ext4, xfs, btrfs or tmpfs");
            }
            else if (noRoom is not null)
            {
                BrokerLog.Warning($"audit log {logPath}: {noRoom}; requests are denied until there is room");
            }

            return log;
        }
        catch (Exception e)
        {
            head?.Dispose();
            file.Dispose();
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
    /// Promises room for the line <paramref name="draft"/> will become once its action ran, before the action runs.
    /// Thread-safe. Pass the result to <see cref="Append"/>; dispose it in any case.
    /// </summary>
    /// <exception cref="AuditWriteException">There is no room (the disk is full) or the log is closed or cannot be
    /// repaired: the action must not run.</exception>
    public AuditReservation Reserve(AuditRecord draft)
    {
        ArgumentNullException.ThrowIfNull(draft);
        lock (_gate)
        {
            ThrowIfDisposed();
            RepairOrThrow();
            long bytes = FormatOrThrow(_lastSequence + 1, draft).Length + ReservationMargin;
            if (_file.TryMakeRoom(_promised, bytes) is { } noRoom)
            {
                throw Unavailable($"no room for the line of '{draft.Action}' in {LogPath}: {noRoom}");
            }

            _promised += bytes;
            MarkAvailable();
            return new AuditReservation(this, bytes);
        }
    }

    /// <summary>
    /// Writes one line for <paramref name="record"/> and flushes it to the kernel, then records it in the head file.
    /// Thread-safe. When this throws, the broker must deny the request.
    /// </summary>
    /// <param name="record">What happened.</param>
    /// <param name="reservation">The room <see cref="Reserve"/> promised this line, if its action had effects.</param>
    /// <exception cref="AuditWriteException">The line could not be written (no room, a failing disk, a torn earlier
    /// line that cannot be taken back yet), or the log is closed.</exception>
    public void Append(AuditRecord record, AuditReservation? reservation = null)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_gate)
        {
            long promisedToThis = reservation?.Take() ?? 0;
            _promised -= promisedToThis;
            ThrowIfDisposed();
            RepairOrThrow();
            if (_options.MaxFileBytes > 0 && _file.Length >= Math.Max(_options.MaxFileBytes, _sizeRotationRetryAt))
            {
                RotateLocked("size", "--audit-max-bytes", promisedToThis);
            }

            WriteLocked(_file, FormatOrThrow(_lastSequence + 1, record), record.Action);
            MarkAvailable();
        }
    }

    /// <summary>
    /// Starts a new file, chained to the current one: renames the current file to
    /// <see cref="AuditLogSeries.ArchivePath"/> unless another program (logrotate) already moved it away. What the
    /// broker does on SIGUSR1. Thread-safe; failures are logged and leave the current file in use.
    /// </summary>
    /// <returns>True when a new file was started.</returns>
    public bool Rotate(string cause)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return false;
            }

            try
            {
                RepairOrThrow();
            }
            catch (AuditWriteException e)
            {
                BrokerLog.Error($"audit log not rotated ({cause}): {e.Message}");
                return false;
            }

            return RotateLocked(cause, "SIGUSR1");
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
            _file.Sync();
            _head.Sync();
            _lineWriter.Dispose();
            _head.Dispose();
            _file.Dispose();
        }
    }

    /// <summary>An unused reservation's room goes back to the pool.</summary>
    internal void GiveBack(AuditReservation reservation)
    {
        lock (_gate)
        {
            _promised -= reservation.Take();
        }
    }

    private ReadOnlySpan<byte> FormatOrThrow(long seq, AuditRecord record)
    {
        try
        {
            return _lineWriter.Format(seq, DateTime.UtcNow, record, _lastHashHex);
        }
        catch (Exception e)
        {
            // Nothing reached the file, so the log stays usable; only this request is denied.
            throw new AuditWriteException($"Audit record for action '{record.Action}' could not be formatted: {e.Message}", e);
        }
    }

    /// <summary>Writes a formatted line to <paramref name="file"/> and names it in the head; under the lock.</summary>
    private void WriteLocked(AuditLogFile file, ReadOnlySpan<byte> line, string action)
    {
        if (file.TryMakeRoom(_promised, line.Length) is { } noRoom)
        {
            throw Unavailable($"no room for the line of '{action}' in {file.Path}: {noRoom}");
        }

        long seq = _lastSequence + 1;
        Span<byte> hash = stackalloc byte[AuditLineFormat.HashBytes];
        SHA256.HashData(line[..^1], hash);
        long start = file.Length;
        (int written, int errno) = file.Append(line);
        if (errno != 0)
        {
            string leftover = written == 0 ? "nothing was written" : TakeBackPartialLine(file, start, written);
            throw Unavailable($"line {seq} could not be written to {file.Path}: {AuditFileSyscalls.Describe(errno)}; {leftover}");
        }

        // The line is in the file: the chain moves on even if the head cannot follow yet (it is repaired first thing).
        Convert.TryToHexStringLower(hash, _lastHashHex, out _);
        Volatile.Write(ref _lastSequence, seq);
        try
        {
            _head.Write(seq, hash);
        }
        catch (IOException e)
        {
            _headStale = true;
            throw Unavailable($"line {seq} was written but the head file {HeadPath} could not be updated: {e.Message}");
        }
    }

    /// <summary>
    /// Removes the start of a line that a failing write left behind, so that the log still ends with a complete line
    /// that agrees with the head file. If that fails too, it is retried before any later line.
    /// </summary>
    private string TakeBackPartialLine(AuditLogFile file, long start, int written)
    {
        int errno = file.TruncateTo(start);
        if (errno == 0)
        {
            return $"the {written} bytes that were written have been removed";
        }

        _torn = (file, start);
        return $"{written} bytes of a partial line remain at the end ({AuditFileSyscalls.Describe(errno)}); they are removed before the next line";
    }

    /// <summary>Puts the files back in agreement after a failed write, or says why they cannot be yet.</summary>
    private void RepairOrThrow()
    {
        if (_torn is { } torn)
        {
            if (ReferenceEquals(torn.File, _file))
            {
                int errno = _file.TruncateTo(torn.Start);
                if (errno != 0)
                {
                    throw Unavailable($"the partial line at the end of {_file.Path} cannot be removed yet: {AuditFileSyscalls.Describe(errno)}");
                }
            }

            // Otherwise it was in a new file a failed rotation discarded: nothing of it is in the live log.
            _torn = null;
        }

        if (_headStale)
        {
            try
            {
                _head.Write(_lastSequence, Convert.FromHexString(Encoding.ASCII.GetString(_lastHashHex)));
            }
            catch (IOException e)
            {
                throw Unavailable($"the head file {HeadPath} still cannot be updated: {e.Message}");
            }

            _headStale = false;
        }
    }

    /// <param name="cause">Why: "size" or what the operator asked.</param>
    /// <param name="rule">What asked for it, for the line: the option or the signal.</param>
    /// <param name="alsoNeeded">Room the new file must have beyond the promised lines: the line waiting for this rotation.</param>
    private bool RotateLocked(string cause, string rule, long alsoNeeded = 0)
    {
        bool stillAtPath = _file.IsStillAtPath();
        if (stillAtPath && _file.Length == 0)
        {
            return false;
        }

        string? archived = stillAtPath ? AuditLogSeries.ArchivePath(LogPath, _lastSequence) : _file.CurrentPath();
        try
        {
            if (stillAtPath)
            {
                File.Move(LogPath, archived!, overwrite: false);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return RotationFailed(cause, $"{LogPath} cannot be renamed to {archived}: {e.Message}");
        }

        AuditLogFile? next = null;
        long lastOfPrevious = _lastSequence;
        IReadOnlyList<string> removed = [];
        try
        {
            next = AuditLogFile.OpenLocked(LogPath, _options.ReserveBytes)
                ?? throw new IOException($"{LogPath} was created meanwhile and is locked by another process");
            if (next.Length != 0)
            {
                throw new IOException($"{LogPath} was created meanwhile by another program and is not empty");
            }

            removed = _options.KeepFiles > 0 ? AuditLogSeries.ArchivesBeyond(LogPath, _options.KeepFiles) : [];
            ReadOnlySpan<byte> first = FormatOrThrow(_lastSequence + 1, RotationRecord(archived, cause, rule, removed));
            if (next.TryMakeRoom(_promised + alsoNeeded, first.Length) is { } noRoom)
            {
                throw new IOException($"the new file has no room for the lines under way: {noRoom}");
            }

            WriteLocked(next, first, RotateAction);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or AuditWriteException)
        {
            if (next is not null && _lastSequence == lastOfPrevious)
            {
                next.Dispose();
                TryUndoRotation(stillAtPath ? archived : null, deleteNewFile: true);
                return RotationFailed(cause, e.Message);
            }

            if (next is null)
            {
                // Nothing was created at the log's name (or someone else's file is there): only the old name comes back.
                TryUndoRotation(stillAtPath ? archived : null, deleteNewFile: false);
                return RotationFailed(cause, e.Message);
            }

            // The first line is in the new file (only the head lags, repaired before the next line): the chain is there now.
        }

        AuditLogFile previous = _file;
        _file = next!;
        previous.ReleaseSpaceSetAside();
        previous.Sync();
        previous.Dispose();
        _sizeRotationRetryAt = 0;
        BrokerLog.Info($"audit log rotated ({cause}): {archived ?? "the previous file (deleted)"} ends at seq {lastOfPrevious}; {LogPath} continues the chain");
        RemoveOldFiles(removed);
        return true;
    }

    /// <summary>Writes the first line of a new live log that continues <paramref name="previous"/> (at startup).</summary>
    private void StartFileAfter(string previous)
    {
        lock (_gate)
        {
            try
            {
                WriteLocked(_file, FormatOrThrow(_lastSequence + 1, RotationRecord(previous, "restart", "startup", [])), RotateAction);
            }
            catch (AuditWriteException e)
            {
                throw new AuditLogException($"Audit log {LogPath} cannot take its first line, which continues the chain of {previous}: {e.Message}. "
                    + "Free space on its file system, or fix the disk.", e);
            }
        }
    }

    private static AuditRecord RotationRecord(string? previous, string cause, string rule, IReadOnlyList<string> removed) => new()
    {
        Pid = Environment.ProcessId,
        Uid = LibC.GetEuid(),
        Gid = LibC.GetEgid(),
        Action = RotateAction,
        Args =
        [
            new("previous", previous),
            new("cause", cause),
            new("removed", removed.Count == 0 ? null : string.Join(", ", removed.Select(Path.GetFileName))),
        ],
        Decision = "allow",
        Rule = rule,
        Outcome = "ok",
    };

    /// <summary>After a failed rotation: the new file goes, the old one comes back to its name, and appends go on in it.</summary>
    private void TryUndoRotation(string? archived, bool deleteNewFile)
    {
        try
        {
            if (deleteNewFile)
            {
                File.Delete(LogPath);
            }

            if (archived is not null && !File.Exists(LogPath))
            {
                File.Move(archived, LogPath, overwrite: false);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            BrokerLog.Error($"audit log: undoing a failed rotation failed ({e.Message}); lines go on in the file the broker holds open, "
                + $"{(archived is null ? "wherever it was moved" : archived)}");
        }
    }

    private bool RotationFailed(string cause, string reason)
    {
        // By size, try again once the file grew by another eighth, not before every line.
        _sizeRotationRetryAt = _file.Length + Math.Max(1, _options.MaxFileBytes / 8);
        BrokerLog.Error($"audit log not rotated ({cause}): {reason}; lines go on in the current file");
        return false;
    }

    private static void RemoveOldFiles(IReadOnlyList<string> removed)
    {
        foreach (string path in removed)
        {
            try
            {
                File.Delete(path);
                BrokerLog.Info($"audit log: removed {path} (--audit-keep-files)");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                BrokerLog.Warning($"audit log: {path} could not be removed: {e.Message}");
            }
        }
    }

    /// <summary>The exception for a line that cannot be written now; the first one of an outage is logged.</summary>
    private AuditWriteException Unavailable(string reason)
    {
        _refusedWhileUnavailable++;
        if (_unavailableSince is null)
        {
            _unavailableSince = DateTime.UtcNow;
            BrokerLog.Error($"audit log unavailable: {reason}. Privileged requests are denied until lines can be written again; "
                + "the broker retries with every request (free space, or fix the disk).");
        }

        return new AuditWriteException(reason);
    }

    /// <summary>Ends an outage once the log has room to spare again (not merely for one short line).</summary>
    private void MarkAvailable()
    {
        if (_unavailableSince is { } since && _file.HasRoomToSpare(_promised))
        {
            BrokerLog.Info($"audit log writable again after {(DateTime.UtcNow - since).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s; "
                + $"{_refusedWhileUnavailable} line(s) could not be written meanwhile and their requests were denied");
            _unavailableSince = null;
            _refusedWhileUnavailable = 0;
        }
    }

    private void ThrowIfDisposed()
    {
        if (_disposed)
        {
            throw new AuditWriteException($"Audit log {LogPath} is closed (the broker is shutting down).");
        }
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

    /// <param name="continues">Set when the log is empty and continues a rotated file: its path.</param>
    private static AuditHead ContinueChain(string logPath, AuditLogFile file, AuditHeadFile head, out string? continues)
    {
        continues = null;
        if (!head.TryRead(out AuditHead recorded, out string headError))
        {
            throw CannotContinue(logPath, head.Path, $"the head file {head.Path} {headError}");
        }

        if (!AuditLogTail.TryReadLastLine(file.Handle, logPath, file.Length, out AuditHead actual, out string tailError))
        {
            throw CannotContinue(logPath, head.Path, tailError);
        }

        if (actual.Seq == 0 && recorded.Seq != 0)
        {
            // Rotated away while the broker was stopped, or stopped mid-rotation: continue the file ending at the head.
            continues = AuditLogSeries.FindFileEndingAt(logPath, recorded)
                ?? throw CannotContinue(logPath, head.Path,
                    $"the log is empty but the head file names seq {recorded.Seq}, and no rotated file beside it ({logPath}.*) ends with that line");
            return recorded;
        }

        if (recorded.Seq != actual.Seq)
        {
            throw CannotContinue(logPath, head.Path, $"the head file names seq {recorded.Seq} but the log's last line has seq {actual.Seq}");
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
            + $"Run `privsep audit verify {logPath}` (with --series to include the files rotated out of it) to see what is wrong, "
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

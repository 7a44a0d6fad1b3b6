using Microsoft.Win32.SafeHandles;

namespace PrivSep.Broker.Audit;

/// <summary>
/// The one log file the broker currently appends to: its descriptor (O_APPEND, OFD-locked), its length, and the disk
/// space set aside beyond its end (<c>fallocate</c> with <c>FALLOC_FL_KEEP_SIZE</c>). The set-aside space is what lets
/// a line whose room was reserved before its action ran be written even after the file system filled up: appending
/// into blocks the file already owns needs no new ones. Not thread-safe: <see cref="AuditLog"/> calls it under its lock.
/// </summary>
internal sealed class AuditLogFile : IDisposable
{
    private readonly long _reserveTarget;
    private long _allocatedEnd;
    private bool _preallocationUnsupported;

    private AuditLogFile(SafeFileHandle handle, string path, long length, long reserveTarget)
    {
        Handle = handle;
        Path = path;
        Length = length;
        _allocatedEnd = length;
        _reserveTarget = reserveTarget;
    }

    public SafeFileHandle Handle { get; }

    /// <summary>Where the file was opened; after a rotation by another program it may live elsewhere.</summary>
    public string Path { get; }

    /// <summary>Bytes in the file: every append goes through this object, and the lock keeps other writers out.</summary>
    public long Length { get; private set; }

    /// <summary>
    /// False when the file system cannot set space aside (no <c>fallocate</c>, or not a regular file): then a full
    /// disk is only noticed when a write fails, after the action it records.
    /// </summary>
    public bool CanSetSpaceAside => !_preallocationUnsupported;

    /// <summary>
    /// Opens (creating 0600 if missing) and locks the log at <paramref name="path"/>. Null when another descriptor
    /// holds the lock. <paramref name="reserveTarget"/> is how much space to keep set aside beyond the end.
    /// </summary>
    public static AuditLogFile? OpenLocked(string path, long reserveTarget)
    {
        SafeFileHandle handle = AuditFileSyscalls.OpenForAppend(path);
        try
        {
            if (!AuditFileSyscalls.TryLockExclusive(handle, path))
            {
                handle.Dispose();
                return null;
            }

            return new AuditLogFile(handle, path, AuditFileSyscalls.Length(handle, path), reserveTarget);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Makes sure <paramref name="bytes"/> more can be appended on top of <paramref name="promised"/> bytes already
    /// promised to reservations, all within space the file owns; tops the set-aside space up to its target when it
    /// runs below half. Returns null when there is room, else why there is none.
    /// </summary>
    public string? TryMakeRoom(long promised, long bytes)
    {
        if (_preallocationUnsupported)
        {
            return null;
        }

        long free = Math.Max(0, _allocatedEnd - Length) - promised;
        if (free >= bytes + (_reserveTarget / 2))
        {
            return null;
        }

        int errno = SetAside(promised + bytes + _reserveTarget);
        if (errno == 0 || _preallocationUnsupported || free >= bytes)
        {
            // Below the target but enough for this line: the disk is nearly full, and the next lines will say so.
            return null;
        }

        // Not the whole target: perhaps there is still room for exactly what is needed.
        errno = SetAside(promised + bytes);
        return errno == 0 ? null : $"no space can be set aside for it ({AuditFileSyscalls.Describe(errno)})";
    }

    /// <summary>True when at least half the target is set aside beyond <paramref name="promised"/> bytes (or nothing can be).</summary>
    public bool HasRoomToSpare(long promised) =>
        _preallocationUnsupported || Math.Max(0, _allocatedEnd - Length) - promised >= _reserveTarget / 2;

    /// <summary>Appends one line; see <see cref="AuditFileSyscalls.Append"/>.</summary>
    public (int Written, int Errno) Append(ReadOnlySpan<byte> line)
    {
        (int written, int errno) = AuditFileSyscalls.Append(Handle, line);
        Length += written;
        _allocatedEnd = Math.Max(_allocatedEnd, Length);
        return (written, errno);
    }

    /// <summary>Cuts the file back to <paramref name="length"/> (a torn line); returns the errno, 0 on success.</summary>
    public int TruncateTo(long length)
    {
        int errno = AuditFileSyscalls.Truncate(Handle, length);
        if (errno == 0)
        {
            Length = length;
        }

        return errno;
    }

    /// <summary>Where the file lives now (another program may have renamed it), or null when it was deleted.</summary>
    public string? CurrentPath()
    {
        string? target = new FileInfo($"/proc/self/fd/{Handle.DangerousGetHandle()}").LinkTarget;
        return target is null || target.EndsWith(" (deleted)", StringComparison.Ordinal) ? null : target;
    }

    /// <summary>
    /// True while <see cref="Path"/> still names this file (nobody moved it away). Judged on the object (device and
    /// inode), never on the string: a log configured through a symbolic link (<c>/var/run</c> → <c>/run</c>, a log folder
    /// linked to a data disk) has another path in /proc than the one it was opened by.
    /// </summary>
    public bool IsStillAtPath() =>
        FileSystem.Syscalls.StatPath(Path) is { } named && named.IsSameObject(FileSystem.Syscalls.Stat(Handle));

    /// <summary>Gives back the space set aside beyond the end: an archived file takes no more lines.</summary>
    public void ReleaseSpaceSetAside()
    {
        if (_allocatedEnd > Length && !_preallocationUnsupported)
        {
            AuditFileSyscalls.ReleasePreallocated(Handle, Length, _allocatedEnd - Length);
            _allocatedEnd = Length;
        }
    }

    public void Sync() => AuditFileSyscalls.Sync(Handle);

    public void Dispose() => Handle.Dispose();

    private int SetAside(long bytesBeyondEnd)
    {
        int errno = AuditFileSyscalls.Preallocate(Handle, Length, bytesBeyondEnd);
        if (errno == 0)
        {
            _allocatedEnd = Math.Max(_allocatedEnd, Length + bytesBeyondEnd);
        }
        else if (AuditFileSyscalls.MeansPreallocationUnsupported(errno))
        {
            _preallocationUnsupported = true;
        }

        return errno;
    }
}

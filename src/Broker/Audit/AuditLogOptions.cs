namespace PrivSep.Broker.Audit;

/// <summary>How the broker's audit log rotates, keeps old files and sets space aside.</summary>
public sealed record AuditLogOptions
{
    /// <summary>64 MiB: big enough that a busy broker rotates every few minutes, not every few seconds.</summary>
    public const long DefaultMaxFileBytes = 64L * 1024 * 1024;

    /// <summary>32 KiB: about 80 typical lines, the most requests the default limits can have in flight at once.</summary>
    public const long DefaultReserveBytes = 32 * 1024;

    /// <summary>A file reaching this size is rotated before the next line (so it may exceed it by one line); 0: never by size.</summary>
    public long MaxFileBytes { get; init; } = DefaultMaxFileBytes;

    /// <summary>
    /// Rotated files kept; the oldest beyond this are deleted after a rotation (the new file's first line names them).
    /// 0, the default, keeps every file: a security tool does not delete evidence unless told to.
    /// </summary>
    public int KeepFiles { get; init; }

    /// <summary>Space kept set aside beyond the end of the log for lines whose actions are under way.</summary>
    public long ReserveBytes { get; init; } = DefaultReserveBytes;
}

namespace PrivSep.Broker.Audit;

/// <summary>
/// Room in the audit log promised to one line before the action it records runs (<see cref="AuditLog.Reserve"/>):
/// the line can then be written even if the disk fills meanwhile. <see cref="AuditLog.Append"/> uses it up;
/// disposing an unused one gives the room back.
/// </summary>
public sealed class AuditReservation : IDisposable
{
    private readonly AuditLog _log;

    internal AuditReservation(AuditLog log, long bytes)
    {
        _log = log;
        Bytes = bytes;
    }

    /// <summary>The bytes promised; 0 once used or given back.</summary>
    internal long Bytes { get; private set; }

    /// <summary>Called under the log's lock: the promised bytes, once.</summary>
    internal long Take()
    {
        long bytes = Bytes;
        Bytes = 0;
        return bytes;
    }

    public void Dispose() => _log.GiveBack(this);
}

namespace PrivSep.Broker.Audit;

/// <summary>
/// A record could not be written and flushed to the audit log. The broker answers the request
/// with a denial (fail closed): no privileged result leaves the broker unaudited.
/// </summary>
public sealed class AuditWriteException : Exception
{
    public AuditWriteException(string message)
        : base(message)
    {
    }

    public AuditWriteException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

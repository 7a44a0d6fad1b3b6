namespace PrivSep.Broker.Audit;

/// <summary>
/// The audit log could not be opened or its chain cannot be continued. The message names the
/// file, the cause and the fix, because the broker prints it and refuses to start.
/// </summary>
public sealed class AuditLogException : Exception
{
    public AuditLogException(string message)
        : base(message)
    {
    }

    public AuditLogException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

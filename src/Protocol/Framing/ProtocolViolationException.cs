namespace PrivSep.Protocol.Framing;

/// <summary>The peer broke the wire protocol (oversized frame, unknown method, malformed message); the connection ends.</summary>
public sealed class ProtocolViolationException : IOException
{
    public ProtocolViolationException(string message)
        : base(message)
    {
    }
}

namespace PrivSep.Relay;

/// <summary>Ends the relay with one line on stderr (<c>privsep-relay: message</c>) and <paramref name="exitCode"/>.</summary>
internal sealed class RelayFailure(int exitCode, string message, Exception? inner = null) : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;
}

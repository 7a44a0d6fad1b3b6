namespace PrivSep.Relay;

/// <summary>
/// The relay's own messages: one line each on stderr, prefixed so the plugin (or a human reading the agent's log) can
/// tell them from the command's output, which shares the stream.
/// </summary>
internal static class RelayConsole
{
    public const string Prefix = "privsep-relay: ";

    public static void Error(string message) => Console.Error.WriteLine(Prefix + message);
}

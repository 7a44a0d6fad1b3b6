namespace PrivSep.Broker;

/// <summary>The broker's operational log: one line per event on standard error (journald adds the time under systemd).</summary>
internal static class BrokerLog
{
    private static readonly object Gate = new();

    public static void Info(string message) => Write("info", message);

    public static void Warning(string message) => Write("warning", message);

    public static void Error(string message) => Write("error", message);

    private static void Write(string level, string message)
    {
        lock (Gate)
        {
            Console.Error.WriteLine($"privsep-broker: {level}: {message.Replace('\n', ' ').Replace('\r', ' ')}");
        }
    }
}

namespace PrivSep.Broker.Hosting;

/// <summary>The broker cannot start; the message names the cause and the fix, and the process exits 2.</summary>
internal sealed class BrokerStartupException(string message) : Exception(message);

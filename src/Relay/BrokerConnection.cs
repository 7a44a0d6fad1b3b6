using PrivSep.Protocol;
using PrivSep.Protocol.Handshake;
using PrivSep.Relay.Rpc;

namespace PrivSep.Relay;

/// <summary>Opens the relay's own connection to the broker, where the Shim's settings put it (the same variables the Shim reads).</summary>
internal static class BrokerConnection
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    /// <exception cref="RelayFailure">The secret cannot be read or the broker not reached (exit code 125); the message says why and what to do.</exception>
    public static async Task<BrokerRpcClient> OpenAsync(CancellationToken cancellationToken)
    {
        string socketPath = FromEnvironment(ProtocolDefaults.SocketEnvironmentVariable) ?? ProtocolDefaults.SocketPath;
        string secretPath = FromEnvironment(ProtocolDefaults.SecretFileEnvironmentVariable) ?? ProtocolDefaults.SecretFilePath;
        try
        {
            // SharedSecretException and the connection's failures are IOExceptions whose messages name the file or socket and the fix.
            var stream = await BrokerSocket.ConnectAsync(socketPath, SharedSecret.Load(secretPath), ConnectTimeout, cancellationToken).ConfigureAwait(false);
            return new BrokerRpcClient(stream);
        }
        catch (IOException ex)
        {
            throw new RelayFailure(RelayExitCodes.RelayFailed, ex.Message, ex);
        }
    }

    private static string? FromEnvironment(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value && !string.IsNullOrWhiteSpace(value) ? value : null;
}

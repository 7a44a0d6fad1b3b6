using System.Net.Sockets;
using PrivSep.Protocol.Handshake;
using PrivSep.Protocol.Transport;

namespace PrivSep.Protocol;

/// <summary>
/// The agent's end of a connection to the broker, up to the end of the handshake: connected, the broker proved to hold
/// the secret and we did too. What runs over it next is the caller's: <see cref="BrokerChannel"/> puts StreamJsonRpc on
/// it; privsep-relay, which starts for every brokered command and must not pay for loading StreamJsonRpc, frames its
/// few requests itself. Keep this type free of StreamJsonRpc for that reason.
/// </summary>
public static class BrokerSocket
{
    /// <summary>First pause before connecting again after <see cref="HandshakeStatus.TooManyHandshakes"/>; it doubles up to <see cref="MaxRetryPause"/>.</summary>
    private static readonly TimeSpan FirstRetryPause = TimeSpan.FromMilliseconds(50);

    private static readonly TimeSpan MaxRetryPause = TimeSpan.FromMilliseconds(800);

    /// <summary>
    /// Connects and authenticates within <paramref name="timeout"/>. A broker whose handshake pool is full of young
    /// handshakes (a flood of connections that never say hello) answers "try again": that is tried again, with growing
    /// pauses, until the timeout, so a flood delays an agent instead of failing its plugin's call. Every other refusal is final.
    /// </summary>
    /// <exception cref="IOException">The broker is not reachable (the message says where it looked and why) or refused the handshake.</exception>
    public static async Task<DescriptorSocketStream> ConnectAsync(string socketPath, SharedSecret secret, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        long started = Environment.TickCount64;
        var pause = FirstRetryPause;
        BrokerAuthenticationException? refused = null;
        while (true)
        {
            var left = timeout - TimeSpan.FromMilliseconds(Environment.TickCount64 - started);
            if (refused is not null && left <= pause)
            {
                throw refused;
            }

            if (refused is not null)
            {
                await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
                left -= pause;
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, MaxRetryPause.Ticks));
            }

            try
            {
                return await ConnectOnceAsync(socketPath, secret, left, cancellationToken).ConfigureAwait(false);
            }
            catch (BrokerAuthenticationException ex) when (ex.Status == HandshakeStatus.TooManyHandshakes)
            {
                refused = ex;
            }
            catch (BrokerAuthenticationException ex) when (ex.Status is null && refused is not null && !cancellationToken.IsCancellationRequested)
            {
                // The time left ran out during a retry's handshake: the broker's last refusal is the reason to report.
                throw refused;
            }
        }
    }

    private static async Task<DescriptorSocketStream> ConnectOnceAsync(string socketPath, SharedSecret secret, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), deadline.Token).ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new IOException(DescribeConnectFailure(socketPath, ex), ex);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new IOException($"The PrivSep broker at '{socketPath}' did not accept the connection within {timeout.TotalSeconds:0.#} s.");
        }

        var stream = new DescriptorSocketStream(socket, acceptDescriptors: true);
        try
        {
            await HandshakeClient.AuthenticateAsync(stream, secret, socketPath, timeout, cancellationToken).ConfigureAwait(false);
            return stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static string DescribeConnectFailure(string socketPath, SocketException ex) => ex.SocketErrorCode switch
    {
        SocketError.ConnectionRefused =>
            $"The PrivSep broker is not reachable at '{socketPath}': the socket exists but nothing is listening (the broker stopped). Start privsep-broker.",
        SocketError.AccessDenied =>
            $"The PrivSep broker is not reachable at '{socketPath}': permission denied. The agent user must be in the group that owns the socket directory (0750) and the socket (0660).",
        _ when !File.Exists(socketPath) =>
            $"The PrivSep broker is not reachable at '{socketPath}': no such socket. Is privsep-broker running (systemctl start privsep-broker)? Set {ProtocolDefaults.SocketEnvironmentVariable} if it listens elsewhere.",
        _ => $"The PrivSep broker is not reachable at '{socketPath}': {ex.Message}.",
    };
}

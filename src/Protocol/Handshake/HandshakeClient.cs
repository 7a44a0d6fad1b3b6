using System.Security.Cryptography;

namespace PrivSep.Protocol.Handshake;

/// <summary>The agent's side of the handshake: proves it holds the secret and checks that the broker does too.</summary>
public static class HandshakeClient
{
    /// <exception cref="BrokerAuthenticationException">The broker refused us, or could not prove it is the real broker.</exception>
    public static async Task AuthenticateAsync(Stream stream, SharedSecret secret, string socketPath, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var token = deadline.Token;
        try
        {
            byte[] agentNonce = RandomNumberGenerator.GetBytes(HandshakeWire.NonceLength);
            try
            {
                await stream.WriteAsync(Concat(HandshakeWire.Magic, agentNonce), token).ConfigureAwait(false);
            }
            catch (IOException)
            {
                // A broker that refuses us may have answered and closed before reading our hello; its answer says why.
            }

            var status = (HandshakeStatus)await ReadByteAsync(stream, token).ConfigureAwait(false);
            if (status != HandshakeStatus.Proceed)
            {
                throw Refused(socketPath, status);
            }

            byte[] brokerMessage = new byte[HandshakeWire.NonceLength + HandshakeWire.MacLength];
            await stream.ReadExactlyAsync(brokerMessage, token).ConfigureAwait(false);
            var brokerNonce = brokerMessage.AsSpan(0, HandshakeWire.NonceLength).ToArray();
            var expected = HandshakeWire.ComputeProof(secret, HandshakeWire.BrokerLabel, agentNonce, brokerNonce);
            if (!HandshakeWire.ProofMatches(expected, brokerMessage.AsSpan(HandshakeWire.NonceLength)))
            {
                throw new BrokerAuthenticationException($"The process at '{socketPath}' could not prove it holds the shared secret: it is not the PrivSep broker, or broker and agent use different secret files.");
            }

            await stream.WriteAsync(HandshakeWire.ComputeProof(secret, HandshakeWire.AgentLabel, agentNonce, brokerNonce), token).ConfigureAwait(false);
            status = (HandshakeStatus)await ReadByteAsync(stream, token).ConfigureAwait(false);
            if (status != HandshakeStatus.Proceed)
            {
                throw Refused(socketPath, status);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new BrokerAuthenticationException($"The PrivSep broker at '{socketPath}' did not complete the handshake within {timeout.TotalSeconds:0.#} s.");
        }
        catch (EndOfStreamException)
        {
            throw new BrokerAuthenticationException($"The PrivSep broker at '{socketPath}' closed the connection during the handshake (see the broker's log and audit log for why).");
        }
    }

    private static BrokerAuthenticationException Refused(string socketPath, HandshakeStatus status) => new(status, status switch
    {
        HandshakeStatus.UserNotAllowed => $"The PrivSep broker at '{socketPath}' refused this user (uid {GetUid()}): add the user to agents.users in the broker's policy.",
        HandshakeStatus.AuthenticationFailed => $"The PrivSep broker at '{socketPath}' rejected our proof of the shared secret: agent and broker read different secret files.",
        HandshakeStatus.TooManyConnections => $"The PrivSep broker at '{socketPath}' refused the connection: it already serves limits.maxConnections agents.",
        HandshakeStatus.TooManyHandshakes => $"The PrivSep broker at '{socketPath}' refused the connection: limits.maxConnections other handshakes are in progress, none yet old enough to be dropped; try again in a second.",
        HandshakeStatus.UnsupportedVersion => $"The PrivSep broker at '{socketPath}' speaks another protocol version: upgrade the broker and the Shim together.",
        _ => $"The PrivSep broker at '{socketPath}' answered the handshake with unknown status {(byte)status}.",
    });

    private static async ValueTask<byte> ReadByteAsync(Stream stream, CancellationToken token)
    {
        byte[] one = new byte[1];
        await stream.ReadExactlyAsync(one, token).ConfigureAwait(false);
        return one[0];
    }

    private static byte[] Concat(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        var result = new byte[a.Length + b.Length];
        a.CopyTo(result);
        b.CopyTo(result.AsSpan(a.Length));
        return result;
    }

    private static uint GetUid() => Interop.LibC.GetUid();
}

/// <summary>The broker could not be authenticated or refused us; an IOException as the BCL gives for an unusable channel.</summary>
public sealed class BrokerAuthenticationException : IOException
{
    public BrokerAuthenticationException(string message)
        : base(message)
    {
    }

    public BrokerAuthenticationException(HandshakeStatus status, string message)
        : base(message)
    {
        this.Status = status;
    }

    /// <summary>The broker's refusal, when it refused us; null when the handshake failed otherwise.</summary>
    public HandshakeStatus? Status { get; }
}

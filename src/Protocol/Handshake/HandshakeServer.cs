using System.Security.Cryptography;

namespace PrivSep.Protocol.Handshake;

/// <summary>How a broker-side handshake ended; every outcome but <see cref="Authenticated"/> is audited and closes the connection.</summary>
public enum HandshakeOutcome
{
    Authenticated,
    UserNotAllowed,
    TooManyConnections,
    UnsupportedVersion,
    BadProof,
    TimedOut,
    ClosedEarly,
}

/// <summary>The broker's side of the handshake (see <see cref="HandshakeWire"/>).</summary>
public static class HandshakeServer
{
    /// <summary>Tells a peer it was refused before any handshake (its uid is not allowed, or the broker is full).</summary>
    public static async Task RefuseAsync(Stream stream, HandshakeStatus status, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(new[] { (byte)status }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// After a refusal, waits briefly for the peer to hang up instead of closing first: closing with its hello
    /// still unread would make the peer's write fail (EPIPE) before it could read why it was refused.
    /// </summary>
    public static async Task LingerAsync(Stream stream, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(1));
        var sink = new byte[256];
        try
        {
            while (await stream.ReadAsync(sink, deadline.Token).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // The peer lingers too, or is gone: either way the connection closes now.
        }
    }

    /// <param name="admit">
    /// Asked once the peer has proved the secret: false refuses it with <see cref="HandshakeStatus.TooManyConnections"/>
    /// (only a proven agent may take, or make room for itself in, the broker's authenticated connections).
    /// </param>
    public static async Task<HandshakeOutcome> AcceptAsync(Stream stream, SharedSecret secret, TimeSpan timeout, CancellationToken cancellationToken, Func<bool>? admit = null)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var token = deadline.Token;
        try
        {
            byte[] hello = new byte[HandshakeWire.Magic.Length + HandshakeWire.NonceLength];
            await stream.ReadExactlyAsync(hello, token).ConfigureAwait(false);
            if (!hello.AsSpan(0, HandshakeWire.Magic.Length).SequenceEqual(HandshakeWire.Magic))
            {
                await RefuseAsync(stream, HandshakeStatus.UnsupportedVersion, token).ConfigureAwait(false);
                return HandshakeOutcome.UnsupportedVersion;
            }

            var agentNonce = hello.AsSpan(HandshakeWire.Magic.Length).ToArray();
            var brokerNonce = RandomNumberGenerator.GetBytes(HandshakeWire.NonceLength);
            var reply = new byte[1 + HandshakeWire.NonceLength + HandshakeWire.MacLength];
            reply[0] = (byte)HandshakeStatus.Proceed;
            brokerNonce.CopyTo(reply, 1);
            HandshakeWire.ComputeProof(secret, HandshakeWire.BrokerLabel, agentNonce, brokerNonce).CopyTo(reply, 1 + HandshakeWire.NonceLength);
            await stream.WriteAsync(reply, token).ConfigureAwait(false);

            byte[] agentProof = new byte[HandshakeWire.MacLength];
            await stream.ReadExactlyAsync(agentProof, token).ConfigureAwait(false);
            var expected = HandshakeWire.ComputeProof(secret, HandshakeWire.AgentLabel, agentNonce, brokerNonce);
            if (!HandshakeWire.ProofMatches(expected, agentProof))
            {
                await RefuseAsync(stream, HandshakeStatus.AuthenticationFailed, token).ConfigureAwait(false);
                return HandshakeOutcome.BadProof;
            }

            if (admit is not null && !admit())
            {
                await RefuseAsync(stream, HandshakeStatus.TooManyConnections, token).ConfigureAwait(false);
                return HandshakeOutcome.TooManyConnections;
            }

            await stream.WriteAsync(new[] { (byte)HandshakeStatus.Proceed }, token).ConfigureAwait(false);
            return HandshakeOutcome.Authenticated;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return HandshakeOutcome.TimedOut;
        }
        catch (Exception ex) when (ex is EndOfStreamException or IOException)
        {
            return HandshakeOutcome.ClosedEarly;
        }
    }
}

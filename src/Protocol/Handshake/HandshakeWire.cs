using System.Security.Cryptography;

namespace PrivSep.Protocol.Handshake;

/// <summary>
/// The mutual challenge-response that runs before any JSON-RPC message:
/// <code>
/// agent  → broker  magic "PRIVSEP1" | agent nonce (32)
/// broker → agent   status (1) [| broker nonce (32) | HMAC(secret, "privsep-broker-v1" | agent nonce | broker nonce)]
/// agent  → broker  HMAC(secret, "privsep-agent-v1" | agent nonce | broker nonce)
/// broker → agent   status (1)
/// </code>
/// Both nonces are fresh per connection, so neither proof can be replayed, and the labels keep the broker's
/// proof from ever being usable as the agent's.
/// </summary>
public static class HandshakeWire
{
    public const int NonceLength = 32;
    public const int MacLength = 32;
    public static ReadOnlySpan<byte> Magic => "PRIVSEP1"u8;
    public static ReadOnlySpan<byte> BrokerLabel => "privsep-broker-v1"u8;
    public static ReadOnlySpan<byte> AgentLabel => "privsep-agent-v1"u8;

    public static byte[] ComputeProof(SharedSecret secret, ReadOnlySpan<byte> label, ReadOnlySpan<byte> agentNonce, ReadOnlySpan<byte> brokerNonce)
    {
        Span<byte> transcript = stackalloc byte[label.Length + NonceLength + NonceLength];
        label.CopyTo(transcript);
        agentNonce.CopyTo(transcript[label.Length..]);
        brokerNonce.CopyTo(transcript[(label.Length + NonceLength)..]);
        return HMACSHA256.HashData(secret.Key, transcript);
    }

    public static bool ProofMatches(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual) =>
        CryptographicOperations.FixedTimeEquals(expected, actual);
}

/// <summary>The broker's verdict, sent as one byte.</summary>
public enum HandshakeStatus : byte
{
    Proceed = 0,
    UserNotAllowed = 1,
    AuthenticationFailed = 2,
    TooManyConnections = 3,
    UnsupportedVersion = 4,
    TooManyHandshakes = 5,
}

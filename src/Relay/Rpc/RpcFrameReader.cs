using System.Buffers.Binary;

namespace PrivSep.Relay.Rpc;

/// <summary>
/// Reads the broker's messages off the connection as the broker frames them: a 4-byte big-endian length, then that many
/// bytes of UTF-8 JSON. The length is checked before any of the body is read, so a broken or hostile peer cannot make
/// the relay buffer more than the limit.
/// </summary>
internal sealed class RpcFrameReader(Stream stream, int maxMessageBytes)
{
    private readonly byte[] header = new byte[RpcFrame.HeaderLength];

    /// <returns>The next message's JSON, or null when the broker closed the connection between messages.</returns>
    /// <exception cref="RpcProtocolException">The length header is zero, negative or over the limit.</exception>
    /// <exception cref="IOException">The connection failed, or closed in the middle of a message.</exception>
    public async ValueTask<byte[]?> ReadAsync(CancellationToken cancellationToken)
    {
        int got = await stream.ReadAtLeastAsync(this.header, this.header.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (got == 0)
        {
            return null;
        }

        if (got < this.header.Length)
        {
            throw new EndOfStreamException("the connection closed in the middle of a message");
        }

        int length = BinaryPrimitives.ReadInt32BigEndian(this.header);
        if (length <= 0 || length > maxMessageBytes)
        {
            throw new RpcProtocolException($"a message announced {length} bytes, outside 1 to {maxMessageBytes}");
        }

        byte[] body = new byte[length];
        await stream.ReadExactlyAsync(body, cancellationToken).ConfigureAwait(false);
        return body;
    }
}

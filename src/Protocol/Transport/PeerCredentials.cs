using System.Buffers.Binary;
using System.Net.Sockets;

namespace PrivSep.Protocol.Transport;

/// <summary>Who is on the other end of a Unix socket, as the kernel recorded it at connect time (SO_PEERCRED), never as the peer claims.</summary>
public readonly record struct PeerCredentials(int Pid, uint Uid, uint Gid)
{
    private const int SolSocket = 1;
    private const int SoPeerCred = 17;

    public static PeerCredentials Of(Socket socket)
    {
        Span<byte> buffer = stackalloc byte[12];
        int length = socket.GetRawSocketOption(SolSocket, SoPeerCred, buffer);
        if (length != 12)
        {
            throw new IOException($"SO_PEERCRED returned {length} bytes instead of 12; cannot identify the peer.");
        }

        return new PeerCredentials(
            BinaryPrimitives.ReadInt32LittleEndian(buffer),
            BinaryPrimitives.ReadUInt32LittleEndian(buffer[4..]),
            BinaryPrimitives.ReadUInt32LittleEndian(buffer[8..]));
    }

    public override string ToString() => $"pid {Pid}, uid {Uid}, gid {Gid}";
}

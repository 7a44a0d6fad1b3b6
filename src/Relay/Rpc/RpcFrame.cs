using System.Buffers.Binary;
using System.Text.Json;

namespace PrivSep.Relay.Rpc;

/// <summary>
/// One JSON-RPC 2.0 request as the broker reads it (and as StreamJsonRpc writes it for the Shim): a 4-byte big-endian
/// length, then <c>{"jsonrpc":"2.0","id":N,"method":"M","params":[P]}</c> with the one argument positional and its
/// properties named as the contract records declare them.
/// </summary>
internal static class RpcFrame
{
    public const int HeaderLength = 4;

    /// <param name="parameter">The JSON of the one parameter, as <see cref="ExecJson"/> writes it.</param>
    public static byte[] Request(long id, string method, byte[] parameter)
    {
        byte[] frame = JsonBytes.Write(
            json =>
            {
                json.WriteStartObject();
                json.WriteString("jsonrpc"u8, "2.0"u8);
                json.WriteNumber("id"u8, id);
                json.WriteString("method"u8, method);
                json.WriteStartArray("params"u8);
                json.WriteRawValue(parameter, skipInputValidation: true);
                json.WriteEndArray();
                json.WriteEndObject();
            },
            reserved: HeaderLength);
        BinaryPrimitives.WriteInt32BigEndian(frame, frame.Length - HeaderLength);
        return frame;
    }
}

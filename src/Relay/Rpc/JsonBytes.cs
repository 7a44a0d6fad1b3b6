using System.Buffers;
using System.Text.Json;

namespace PrivSep.Relay.Rpc;

/// <summary>JSON written to bytes, for the parameter of a request and for the request around it.</summary>
internal static class JsonBytes
{
    /// <summary>What <paramref name="write"/> writes with System.Text.Json's defaults (compact, the default escaping), as UTF-8 after <paramref name="reserved"/> zero bytes.</summary>
    public static byte[] Write(Action<Utf8JsonWriter> write, int reserved = 0)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        buffer.Advance(reserved);
        using (var json = new Utf8JsonWriter(buffer))
        {
            write(json);
        }

        return buffer.WrittenSpan.ToArray();
    }
}

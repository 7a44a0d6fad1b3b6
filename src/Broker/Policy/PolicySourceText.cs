using System.Text.Json;

namespace PrivSep.Broker.Policy;

/// <summary>
/// The UTF-8 text of a policy and its name, to turn byte offsets into the 1-based line and column
/// an editor shows (columns count characters, not bytes) and to build <see cref="PolicyException"/>s.
/// </summary>
internal sealed class PolicySourceText
{
    private readonly byte[] _utf8;

    public PolicySourceText(string sourceName, byte[] utf8)
    {
        SourceName = sourceName;
        _utf8 = utf8;
    }

    public string SourceName { get; }

    public ReadOnlySpan<byte> Utf8 => _utf8;

    public PolicyException Error(int offset, string problem, Exception? innerException = null)
    {
        var (line, column) = LocationOf(offset);
        return new PolicyException(SourceName, line, column, problem, innerException);
    }

    /// <summary>A syntax error from the JSON reader, whose line and byte position are 0-based.</summary>
    public PolicyException Error(JsonException exception)
    {
        var lineIndex = (int)Math.Min(exception.LineNumber ?? 0, int.MaxValue);
        var bytePosition = (int)Math.Min(exception.BytePositionInLine ?? 0, int.MaxValue);
        var lineStart = StartOfLine(lineIndex);
        var offset = (int)Math.Min((long)lineStart + bytePosition, _utf8.Length);
        return Error(offset, "invalid JSON: " + WithoutPosition(exception.Message), exception);
    }

    public (int Line, int Column) LocationOf(int offset)
    {
        offset = Math.Clamp(offset, 0, _utf8.Length);
        var before = _utf8.AsSpan(0, offset);
        var line = before.Count((byte)'\n') + 1;
        var lineStart = before.LastIndexOf((byte)'\n') + 1;

        // Count characters, not bytes: every UTF-8 byte except continuation bytes (10xxxxxx) starts one.
        var column = 1;
        foreach (var b in before[lineStart..])
        {
            if ((b & 0xC0) != 0x80)
            {
                column++;
            }
        }

        return (line, column);
    }

    private int StartOfLine(int lineIndex)
    {
        var start = 0;
        for (var i = 0; i < lineIndex; i++)
        {
            var next = _utf8.AsSpan(start).IndexOf((byte)'\n');
            if (next < 0)
            {
                return start;
            }

            start += next + 1;
        }

        return start;
    }

    // The reader appends its own 0-based "LineNumber: 6 | BytePositionInLine: 4." to the message;
    // ours already says where, 1-based, so drop it.
    private static string WithoutPosition(string message)
    {
        var index = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        var trimmed = index < 0 ? message : message[..index];
        var path = trimmed.IndexOf(" Path:", StringComparison.Ordinal);
        return (path < 0 ? trimmed : trimmed[..path]).TrimEnd();
    }
}

using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace PrivSep.Broker.Audit;

/// <summary>
/// Turns one <see cref="AuditRecord"/> into the bytes of one audit line, LF included, reusing a
/// single buffer so that appending does not allocate per request. Not thread-safe: the
/// <see cref="AuditLog"/> calls it under its lock.
/// </summary>
internal sealed class AuditLineWriter : IDisposable
{
    private readonly ArrayBufferWriter<byte> _buffer = new(initialCapacity: 1024);
    private readonly Utf8JsonWriter _json;

    public AuditLineWriter()
    {
        // The default encoder escapes control characters, quotes, '<', '>', '&', '+' and all
        // non-ASCII text: a line is printable ASCII whatever the client sent.
        _json = new Utf8JsonWriter(_buffer, new JsonWriterOptions
        {
            Encoder = JavaScriptEncoder.Default,
            Indented = false,
        });
    }

    /// <summary>
    /// Formats the line for <paramref name="record"/>. The returned bytes end with LF and stay
    /// valid until the next call.
    /// </summary>
    public ReadOnlySpan<byte> Format(long seq, DateTime utcTimestamp, AuditRecord record, ReadOnlySpan<byte> prevHashHex)
    {
        _buffer.ResetWrittenCount();
        _json.Reset(_buffer);

        _json.WriteStartObject();
        _json.WriteNumber(AuditLineFormat.Seq, seq);
        WriteTimestamp(utcTimestamp);
        _json.WriteNumber(AuditLineFormat.Pid, record.Pid);
        _json.WriteNumber(AuditLineFormat.Uid, record.Uid);
        _json.WriteNumber(AuditLineFormat.Gid, record.Gid);
        WriteBoundedString(AuditLineFormat.Plugin, record.Plugin);
        // The required strings are never null by contract; "" keeps a line the verifier accepts
        // even if a caller breaks it, since a line once chained cannot be taken back.
        WriteBoundedString(AuditLineFormat.Action, record.Action ?? "");
        WriteArgs(record.Args);
        WriteBoundedString(AuditLineFormat.Path, record.ResolvedPath);
        WriteBoundedString(AuditLineFormat.Decision, record.Decision ?? "");
        WriteBoundedString(AuditLineFormat.Rule, record.Rule);
        WriteBoundedString(AuditLineFormat.Outcome, record.Outcome ?? "");
        _json.WriteNumber(AuditLineFormat.DurationUs, record.DurationMicroseconds);
        _json.WriteString(AuditLineFormat.Prev, prevHashHex);
        _json.WriteEndObject();
        _json.Flush();

        _buffer.GetSpan(1)[0] = (byte)'\n';
        _buffer.Advance(1);
        return _buffer.WrittenSpan;
    }

    public void Dispose() => _json.Dispose();

    private void WriteTimestamp(DateTime utcTimestamp)
    {
        Span<byte> text = stackalloc byte[32];
        utcTimestamp.TryFormat(text, out int length, AuditLineFormat.TimestampFormat, CultureInfo.InvariantCulture);
        _json.WriteString(AuditLineFormat.Ts, text[..length]);
    }

    private void WriteArgs(IReadOnlyList<KeyValuePair<string, string?>>? args)
    {
        _json.WriteStartObject(AuditLineFormat.Args);
        if (args is not null)
        {
            int kept = Math.Min(args.Count, UntrustedText.MaxArgs);
            for (int i = 0; i < kept; i++)
            {
                (string key, string? value) = args[i];
                _json.WritePropertyName(UntrustedText.Bound(key ?? "", UntrustedText.MaxKeyChars)!);
                WriteBoundedValue(value);
            }

            if (args.Count > kept)
            {
                _json.WriteString(UntrustedText.TruncationMarker,
                    (args.Count - kept).ToString(CultureInfo.InvariantCulture) + " more arguments not logged");
            }
        }

        _json.WriteEndObject();
    }

    private void WriteBoundedString(JsonEncodedText name, string? value)
    {
        _json.WritePropertyName(name);
        WriteBoundedValue(value);
    }

    private void WriteBoundedValue(string? value)
    {
        if (value is null)
        {
            _json.WriteNullValue();
        }
        else
        {
            _json.WriteStringValue(UntrustedText.Bound(value, UntrustedText.MaxValueChars));
        }
    }
}

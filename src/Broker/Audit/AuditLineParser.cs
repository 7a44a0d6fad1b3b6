using System.Text.Json;

namespace PrivSep.Broker.Audit;

/// <summary>What the chain needs from one parsed line.</summary>
/// <param name="IsRotation">An <c>audit.rotate</c> line: the first of a file that continues an older one.</param>
internal readonly record struct ParsedAuditLine(long Seq, string PrevHashHex, bool IsRotation = false);

/// <summary>
/// Checks that a line is one JSON object with exactly the audit keys, in order, each with a
/// value of the right type, and extracts seq and prev. Anything else was not written by the
/// broker. Errors are phrased for a person reading <c>privsep audit verify</c> output.
/// </summary>
internal static class AuditLineParser
{
    public static bool TryParse(ReadOnlySpan<byte> lineWithoutLf, out ParsedAuditLine line, out string error)
    {
        line = default;
        try
        {
            return TryParseCore(lineWithoutLf, out line, out error);
        }
        catch (JsonException e)
        {
            error = $"is not valid JSON ({FirstSentence(e.Message)})";
            return false;
        }
    }

    private static bool TryParseCore(ReadOnlySpan<byte> bytes, out ParsedAuditLine line, out string error)
    {
        line = default;
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            error = "is not a JSON object";
            return false;
        }

        long seq = 0;
        string? prev = null;
        bool isRotation = false;
        foreach (JsonEncodedText key in AuditLineFormat.KeysInOrder)
        {
            reader.Read();
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                error = $"ends before the key \"{key}\"";
                return false;
            }

            if (!reader.ValueTextEquals(key.EncodedUtf8Bytes))
            {
                error = $"has the key \"{reader.GetString()}\" where \"{key}\" was expected";
                return false;
            }

            reader.Read();
            if (key.Value == "action" && reader.TokenType == JsonTokenType.String)
            {
                isRotation = reader.ValueTextEquals(AuditLog.RotateAction);
            }

            string? typeError = key.Value switch
            {
                "seq" => ReadPositiveInt64(ref reader, out seq),
                "pid" => reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out _) ? null : "an integer",
                "uid" or "gid" => reader.TokenType == JsonTokenType.Number && reader.TryGetUInt32(out _) ? null : "an unsigned integer",
                "durationUs" => reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out _) ? null : "an integer",
                "ts" => ReadTimestamp(ref reader),
                "action" or "decision" or "outcome" => reader.TokenType == JsonTokenType.String ? null : "a string",
                "plugin" or "path" or "rule" => reader.TokenType is JsonTokenType.String or JsonTokenType.Null ? null : "a string or null",
                "args" => ReadArgs(ref reader),
                "prev" => ReadHash(ref reader, out prev),
                _ => throw new InvalidOperationException($"no rule for key {key}"),
            };

            if (typeError is not null)
            {
                error = $"has a \"{key}\" that is not {typeError}";
                return false;
            }
        }

        reader.Read();
        if (reader.TokenType != JsonTokenType.EndObject)
        {
            error = reader.TokenType == JsonTokenType.PropertyName
                ? $"has an unexpected key \"{reader.GetString()}\" after \"prev\""
                : "does not end after \"prev\"";
            return false;
        }

        if (reader.Read())
        {
            error = "has text after the JSON object";
            return false;
        }

        line = new ParsedAuditLine(seq, prev!, isRotation);
        error = "";
        return true;
    }

    private static string? ReadPositiveInt64(ref Utf8JsonReader reader, out long value)
    {
        value = 0;
        return reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out value) && value >= 1
            ? null
            : "a positive integer";
    }

    private static string? ReadTimestamp(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.String && reader.TryGetDateTime(out _) ? null : "a UTC timestamp";

    private static string? ReadHash(ref Utf8JsonReader reader, out string? hashHex)
    {
        hashHex = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return hashHex is not null && AuditLineFormat.IsLowercaseHexHash(hashHex) ? null : "64 lowercase hex digits";
    }

    private static string? ReadArgs(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return "an object";
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            reader.Read();
            if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.Null))
            {
                return "an object of strings";
            }
        }

        return reader.TokenType == JsonTokenType.EndObject ? null : "an object of strings";
    }

    private static string FirstSentence(string message)
    {
        int end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message.TrimEnd('.') : message[..end];
    }
}

namespace PrivSep.Broker.Audit;

/// <summary>
/// Bounds client-controlled text before it reaches the audit log, so one request cannot blow
/// up the log. Escaping is not done here: the JSON writer escapes every control character, quote
/// and non-ASCII character, and replaces unpaired surrogates, so CR/LF never reach a line raw.
/// </summary>
internal static class UntrustedText
{
    /// <summary>Longest value (plugin, argument, path, rule, ...) kept, in UTF-16 chars.</summary>
    public const int MaxValueChars = 4096;

    /// <summary>Longest argument name kept; names come from the broker but are bounded anyway.</summary>
    public const int MaxKeyChars = 256;

    /// <summary>Most arguments kept per record; the rest are summarized in one marker entry.</summary>
    public const int MaxArgs = 32;

    public const string TruncationMarker = "…(truncated)";

    /// <summary>The text itself when short enough, else its start followed by the marker.</summary>
    public static string? Bound(string? text, int maxChars)
    {
        if (text is null || text.Length <= maxChars)
        {
            return text;
        }

        int keep = maxChars;
        // Never cut a surrogate pair in half; the writer would turn the orphan into U+FFFD.
        if (char.IsHighSurrogate(text[keep - 1]))
        {
            keep--;
        }

        return string.Concat(text.AsSpan(0, keep), TruncationMarker);
    }
}

using Microsoft.Win32.SafeHandles;

namespace PrivSep.Broker.Audit;

/// <summary>
/// Finds the last line of an existing log by reading backwards from its end, so that reopening
/// a multi-gigabyte log costs a few kilobytes of I/O rather than re-hashing it all. The full
/// chain is checked by <see cref="AuditChainVerifier"/>, on demand.
/// </summary>
internal static class AuditLogTail
{
    private const int FirstWindow = 64 * 1024;

    /// <summary>Larger than any line the writer can produce, however hostile the client.</summary>
    private const int MaxLineBytes = 16 * 1024 * 1024;

    /// <summary>
    /// The head the log's own last line implies: seq 0 for an empty log. False, with a reason,
    /// when the last line is incomplete, too long or not an audit line.
    /// </summary>
    public static bool TryReadLastLine(SafeFileHandle log, string path, long length, out AuditHead head, out string error)
    {
        head = AuditHead.Empty;
        error = "";
        if (length == 0)
        {
            return true;
        }

        Span<byte> last = stackalloc byte[1];
        AuditFileSyscalls.ReadAt(log, last, length - 1, path);
        if (last[0] != (byte)'\n')
        {
            error = "its last line is incomplete (the file does not end with a line feed): "
                + "a write was cut off, or the file was truncated mid-line";
            return false;
        }

        for (int window = FirstWindow; ; window *= 2)
        {
            long start = Math.Max(0, length - window);
            byte[] bytes = new byte[length - start];
            int read = AuditFileSyscalls.ReadAt(log, bytes, start, path);
            // The window ends with the last line's LF; the line starts after the LF before it.
            ReadOnlySpan<byte> text = bytes.AsSpan(0, read - 1);
            int previousLf = text.LastIndexOf((byte)'\n');
            if (previousLf >= 0 || start == 0)
            {
                return TryParseLine(text[(previousLf + 1)..], out head, out error);
            }

            if (window >= MaxLineBytes)
            {
                error = $"its last line is longer than {MaxLineBytes / (1024 * 1024)} MiB, which no audit line is";
                return false;
            }
        }
    }

    private static bool TryParseLine(ReadOnlySpan<byte> line, out AuditHead head, out string error)
    {
        if (!AuditLineParser.TryParse(line, out ParsedAuditLine parsed, out string parseError))
        {
            head = default;
            error = "its last line " + parseError;
            return false;
        }

        head = new AuditHead(parsed.Seq, AuditLineFormat.HashHex(line));
        error = "";
        return true;
    }
}

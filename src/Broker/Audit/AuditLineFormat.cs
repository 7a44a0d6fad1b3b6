using System.Security.Cryptography;
using System.Text.Json;

namespace PrivSep.Broker.Audit;

/// <summary>
/// The shape of one audit line, shared by the writer, the log's tail reader and the verifier so
/// that they cannot drift apart: the keys in their fixed order and how a line is hashed.
/// </summary>
internal static class AuditLineFormat
{
    public const int HashBytes = 32;
    public const int HashHexLength = 64;

    /// <summary>The prev hash of line 1, and the head hash of a log with no lines yet.</summary>
    public static readonly string GenesisHashHex = new('0', HashHexLength);

    public static readonly JsonEncodedText Seq = JsonEncodedText.Encode("seq");
    public static readonly JsonEncodedText Ts = JsonEncodedText.Encode("ts");
    public static readonly JsonEncodedText Pid = JsonEncodedText.Encode("pid");
    public static readonly JsonEncodedText Uid = JsonEncodedText.Encode("uid");
    public static readonly JsonEncodedText Gid = JsonEncodedText.Encode("gid");
    public static readonly JsonEncodedText Plugin = JsonEncodedText.Encode("plugin");
    public static readonly JsonEncodedText Action = JsonEncodedText.Encode("action");
    public static readonly JsonEncodedText Args = JsonEncodedText.Encode("args");
    public static readonly JsonEncodedText Path = JsonEncodedText.Encode("path");
    public static readonly JsonEncodedText Decision = JsonEncodedText.Encode("decision");
    public static readonly JsonEncodedText Rule = JsonEncodedText.Encode("rule");
    public static readonly JsonEncodedText Outcome = JsonEncodedText.Encode("outcome");
    public static readonly JsonEncodedText DurationUs = JsonEncodedText.Encode("durationUs");
    public static readonly JsonEncodedText Prev = JsonEncodedText.Encode("prev");

    /// <summary>Every key of a line, in the order the writer emits them.</summary>
    public static readonly JsonEncodedText[] KeysInOrder =
        [Seq, Ts, Pid, Uid, Gid, Plugin, Action, Args, Path, Decision, Rule, Outcome, DurationUs, Prev];

    /// <summary>"yyyy-MM-ddTHH:mm:ss.ffffffZ": UTC to the microsecond.</summary>
    public const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    /// <summary>SHA-256 of a line's exact bytes, without its LF, as lowercase hex.</summary>
    public static string HashHex(ReadOnlySpan<byte> lineWithoutLf)
    {
        Span<byte> hash = stackalloc byte[HashBytes];
        SHA256.HashData(lineWithoutLf, hash);
        return Convert.ToHexStringLower(hash);
    }

    public static bool IsLowercaseHexHash(ReadOnlySpan<char> text)
    {
        if (text.Length != HashHexLength)
        {
            return false;
        }

        foreach (char c in text)
        {
            if (!char.IsAsciiDigit(c) && c is not (>= 'a' and <= 'f'))
            {
                return false;
            }
        }

        return true;
    }
}

using System.Globalization;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace PrivSep.Broker.Audit;

/// <summary>The newest line of the chain as the head file records it.</summary>
internal readonly record struct AuditHead(long Seq, string HashHex)
{
    public static readonly AuditHead Empty = new(0, AuditLineFormat.GenesisHashHex);
}

/// <summary>
/// The head file beside the log: one fixed-length record naming the newest line's seq and
/// SHA-256, <c>seq=00000000000000000042 sha256=&lt;64 hex&gt;\n</c>. It lives outside the log so
/// that cutting lines off the end of the log is detected. Being fixed-length, it is rewritten in
/// place with one positional write: one syscall per append, never a rename.
/// </summary>
internal sealed class AuditHeadFile : IDisposable
{
    private const int SeqDigits = 20;
    private static readonly byte[] SeqPrefix = "seq="u8.ToArray();
    private static readonly byte[] HashPrefix = " sha256="u8.ToArray();

    /// <summary>Bytes in a head record, LF included.</summary>
    public const int RecordLength = 4 + SeqDigits + 8 + AuditLineFormat.HashHexLength + 1;

    private readonly SafeFileHandle _file;
    private readonly byte[] _record = new byte[RecordLength];

    private AuditHeadFile(SafeFileHandle file, string path)
    {
        _file = file;
        Path = path;
    }

    public string Path { get; }

    /// <summary>Opens an existing head file for update; null when there is none.</summary>
    public static AuditHeadFile? OpenExisting(string path)
    {
        SafeFileHandle? file = AuditFileSyscalls.OpenExistingForUpdate(path);
        return file is null ? null : new AuditHeadFile(file, path);
    }

    /// <summary>Creates a 0600 head file naming an empty chain.</summary>
    public static AuditHeadFile CreateEmpty(string path)
    {
        var head = new AuditHeadFile(AuditFileSyscalls.CreateNew(path), path);
        try
        {
            head.Write(0, Convert.FromHexString(AuditLineFormat.GenesisHashHex));
            return head;
        }
        catch
        {
            head.Dispose();
            throw;
        }
    }

    /// <summary>Reads and parses the record; <paramref name="error"/> says what is wrong otherwise.</summary>
    public bool TryRead(out AuditHead head, out string error)
    {
        // One byte more than a record, to tell a correct file from one with extra text.
        Span<byte> bytes = stackalloc byte[RecordLength + 1];
        int length = AuditFileSyscalls.ReadAt(_file, bytes, 0, Path);
        return TryParse(bytes[..length], out head, out error);
    }

    /// <summary>Records <paramref name="seq"/> and its line's hash with a single write at offset 0.</summary>
    public void Write(long seq, ReadOnlySpan<byte> sha256)
    {
        Format(seq, sha256, _record);
        AuditFileSyscalls.WriteAt(_file, _record, 0, Path);
    }

    public void Sync() => AuditFileSyscalls.Sync(_file);

    public void Dispose() => _file.Dispose();

    /// <summary>Reads a head file for the verifier, which must not take the broker's lock.</summary>
    public static bool TryReadFile(string path, out AuditHead head, out string error)
    {
        head = default;
        byte[] bytes = new byte[RecordLength + 1];
        int length;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
            length = stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
        }
        catch (FileNotFoundException)
        {
            error = $"the head file {path} is missing, so lines cut off the end of the log cannot be detected";
            return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"the head file {path} cannot be read: {e.Message}";
            return false;
        }

        if (!TryParse(bytes.AsSpan(0, length), out head, out string formatError))
        {
            error = $"the head file {path} {formatError}";
            return false;
        }

        error = "";
        return true;
    }

    internal static void Format(long seq, ReadOnlySpan<byte> sha256, Span<byte> record)
    {
        SeqPrefix.CopyTo(record);
        seq.TryFormat(record.Slice(SeqPrefix.Length, SeqDigits), out _, "D20", CultureInfo.InvariantCulture);
        HashPrefix.CopyTo(record[(SeqPrefix.Length + SeqDigits)..]);
        Convert.TryToHexStringLower(sha256, record[(SeqPrefix.Length + SeqDigits + HashPrefix.Length)..], out _);
        record[RecordLength - 1] = (byte)'\n';
    }

    internal static bool TryParse(ReadOnlySpan<byte> bytes, out AuditHead head, out string error)
    {
        head = default;
        int hashStart = SeqPrefix.Length + SeqDigits + HashPrefix.Length;
        if (bytes.Length != RecordLength
            || !bytes.StartsWith(SeqPrefix)
            || !bytes[(SeqPrefix.Length + SeqDigits)..].StartsWith(HashPrefix)
            || bytes[^1] != (byte)'\n')
        {
            error = bytes.Length == 0
                ? "is empty"
                : $"is not a head record (expected one {RecordLength}-byte line \"seq=<20 digits> sha256=<64 hex>\")";
            return false;
        }

        ReadOnlySpan<byte> digits = bytes.Slice(SeqPrefix.Length, SeqDigits);
        if (digits.ContainsAnyExceptInRange((byte)'0', (byte)'9')
            || !long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long seq))
        {
            error = "has a seq that is not a number";
            return false;
        }

        string hashHex = Encoding.ASCII.GetString(bytes.Slice(hashStart, AuditLineFormat.HashHexLength));
        if (!AuditLineFormat.IsLowercaseHexHash(hashHex))
        {
            error = "has a hash that is not 64 lowercase hex digits";
            return false;
        }

        head = new AuditHead(seq, hashHex);
        error = "";
        return true;
    }
}

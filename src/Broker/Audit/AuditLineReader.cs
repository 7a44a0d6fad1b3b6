using System.Security.Cryptography;

namespace PrivSep.Broker.Audit;

/// <summary>
/// Streams a log one line at a time with bounded memory, hashing each line's exact bytes. A line
/// the writer could not have produced (over <see cref="MaxLineBytes"/>) is still hashed, so the
/// chain check of the next line stays exact, but is not kept for parsing.
/// </summary>
internal sealed class AuditLineReader : IDisposable
{
    /// <summary>Larger than any line the writer can produce, however hostile the client.</summary>
    public const int MaxLineBytes = 16 * 1024 * 1024;

    private readonly FileStream _stream;
    private readonly byte[] _chunk = new byte[128 * 1024];
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private int _chunkStart;
    private int _chunkEnd;

    // A line that spans chunks is gathered here; most lines never are.
    private byte[] _pending = new byte[4096];
    private int _pendingLength;
    private long _pendingTotalBytes;
    private bool _pendingTooLong;

    public AuditLineReader(string path)
    {
        // FileShare.ReadWrite: the broker may be appending while we read.
        _stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
    }

    /// <summary>Bytes of a line that has no LF yet, at the end of what has been read so far.</summary>
    public bool HasIncompleteLine => _pendingTotalBytes > 0;

    /// <summary>
    /// Reads the next complete line, without its LF. Returns false at the current end of the
    /// file; an unfinished line stays pending, so a later call finishes it if the file grew.
    /// <paramref name="line"/> is valid until the next call; it is empty when
    /// <paramref name="tooLong"/>.
    /// </summary>
    public bool TryReadLine(out ReadOnlySpan<byte> line, out string hashHex, out bool tooLong)
    {
        while (true)
        {
            if (_chunkStart == _chunkEnd)
            {
                int read = _stream.Read(_chunk);
                if (read == 0)
                {
                    line = default;
                    hashHex = "";
                    tooLong = false;
                    return false;
                }

                _chunkStart = 0;
                _chunkEnd = read;
            }

            ReadOnlySpan<byte> available = _chunk.AsSpan(_chunkStart, _chunkEnd - _chunkStart);
            int lf = available.IndexOf((byte)'\n');
            if (lf >= 0 && _pendingTotalBytes == 0)
            {
                // The common case: the whole line is in this chunk, no copy needed.
                line = available[..lf];
                hashHex = AuditLineFormat.HashHex(line);
                tooLong = line.Length > MaxLineBytes;
                line = tooLong ? default : line;
                _chunkStart += lf + 1;
                return true;
            }

            ReadOnlySpan<byte> segment = lf >= 0 ? available[..lf] : available;
            Gather(segment);
            _chunkStart += lf >= 0 ? lf + 1 : segment.Length;
            if (lf >= 0)
            {
                hashHex = Convert.ToHexStringLower(_hash.GetHashAndReset());
                tooLong = _pendingTooLong;
                line = tooLong ? default : _pending.AsSpan(0, _pendingLength);
                _pendingLength = 0;
                _pendingTotalBytes = 0;
                _pendingTooLong = false;
                return true;
            }
        }
    }

    public void Dispose()
    {
        _hash.Dispose();
        _stream.Dispose();
    }

    private void Gather(ReadOnlySpan<byte> segment)
    {
        _hash.AppendData(segment);
        _pendingTotalBytes += segment.Length;
        if (_pendingTooLong)
        {
            return;
        }

        if (_pendingTotalBytes > MaxLineBytes)
        {
            _pendingTooLong = true;
            _pendingLength = 0;
            return;
        }

        if (_pendingLength + segment.Length > _pending.Length)
        {
            Array.Resize(ref _pending, Math.Max(_pending.Length * 2, _pendingLength + segment.Length));
        }

        segment.CopyTo(_pending.AsSpan(_pendingLength));
        _pendingLength += segment.Length;
    }
}

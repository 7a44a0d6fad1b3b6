using System.Text;
using PrivSep.Shim.Routing;

namespace PrivSep.Shim.Replacements;

/// <summary>
/// Replacements for the path-taking <see cref="StreamReader"/> constructors, as factories. Through the broker the reader
/// wraps a brokered FileStream opened as the constructor would open it, with the same encoding detection.
/// </summary>
public static class StreamReaderShims
{
    // What StreamReader's path constructors open with.
    private const int FileStreamBufferSize = 4096;

    [Replaces("M:System.IO.StreamReader.#ctor(System.String)")]
    public static StreamReader New(string path) =>
        Run(path, () => new StreamReader(path), () => OpenThroughBroker(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: null));

    [Replaces("M:System.IO.StreamReader.#ctor(System.String,System.Boolean)")]
    public static StreamReader New(string path, bool detectEncodingFromByteOrderMarks) =>
        Run(path, () => new StreamReader(path, detectEncodingFromByteOrderMarks), () => OpenThroughBroker(path, Encoding.UTF8, detectEncodingFromByteOrderMarks, bufferSize: null));

    [Replaces("M:System.IO.StreamReader.#ctor(System.String,System.Text.Encoding)")]
    public static StreamReader New(string path, Encoding? encoding) =>
        Run(path, () => new StreamReader(path, encoding), () => OpenThroughBroker(path, encoding, detectEncodingFromByteOrderMarks: true, bufferSize: null));

    [Replaces("M:System.IO.StreamReader.#ctor(System.String,System.Text.Encoding,System.Boolean)")]
    public static StreamReader New(string path, Encoding? encoding, bool detectEncodingFromByteOrderMarks) =>
        Run(path, () => new StreamReader(path, encoding, detectEncodingFromByteOrderMarks), () => OpenThroughBroker(path, encoding, detectEncodingFromByteOrderMarks, bufferSize: null));

    [Replaces("M:System.IO.StreamReader.#ctor(System.String,System.Text.Encoding,System.Boolean,System.Int32)")]
    public static StreamReader New(string path, Encoding? encoding, bool detectEncodingFromByteOrderMarks, int bufferSize) =>
        Run(path, () => new StreamReader(path, encoding, detectEncodingFromByteOrderMarks, bufferSize), () => OpenThroughBroker(path, encoding, detectEncodingFromByteOrderMarks, bufferSize));

    [Replaces("M:System.IO.StreamReader.#ctor(System.String,System.IO.FileStreamOptions)")]
    public static StreamReader New(string path, FileStreamOptions options) =>
        Run(path, () => new StreamReader(path, options), () => OpenThroughBroker(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, options));

    [Replaces("M:System.IO.StreamReader.#ctor(System.String,System.Text.Encoding,System.Boolean,System.IO.FileStreamOptions)")]
    public static StreamReader New(string path, Encoding? encoding, bool detectEncodingFromByteOrderMarks, FileStreamOptions options) =>
        Run(path, () => new StreamReader(path, encoding, detectEncodingFromByteOrderMarks, options), () => OpenThroughBroker(path, encoding, detectEncodingFromByteOrderMarks, options));

    /// <summary>The brokered equivalent of <c>new StreamReader(path, encoding, detect, bufferSize)</c> (null: the default size).</summary>
    internal static StreamReader OpenThroughBroker(string path, Encoding? encoding, bool detectEncodingFromByteOrderMarks, int? bufferSize)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (bufferSize is int size)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size, nameof(bufferSize));
        }

        var stream = BrokeredFileOpen.Open(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileStreamBufferSize, FileOptions.SequentialScan);
        return Wrap(stream, encoding, detectEncodingFromByteOrderMarks, bufferSize ?? -1);
    }

    private static StreamReader OpenThroughBroker(string path, Encoding? encoding, bool detectEncodingFromByteOrderMarks, FileStreamOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(options);
        if ((options.Access & FileAccess.Read) == 0)
        {
            throw new ArgumentException("Stream was not readable.", nameof(options));
        }

        return Wrap(BrokeredFileOpen.Open(path, options), encoding, detectEncodingFromByteOrderMarks, -1);
    }

    private static StreamReader Wrap(FileStream stream, Encoding? encoding, bool detectEncodingFromByteOrderMarks, int bufferSize)
    {
        try
        {
            return new StreamReader(stream, encoding, detectEncodingFromByteOrderMarks, bufferSize);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static StreamReader Run(string path, Func<StreamReader> original, Func<StreamReader> brokered) =>
        FastPath.Run(FallbackRule.ForFile(path), original, brokered);
}

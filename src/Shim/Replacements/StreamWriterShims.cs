using System.Text;
using PrivSep.Shim.Routing;

namespace PrivSep.Shim.Replacements;

/// <summary>
/// Replacements for the path-taking <see cref="StreamWriter"/> constructors, as factories. Through the broker the writer
/// wraps a brokered FileStream opened as the constructor would open it (append positions at the end, so no preamble is
/// written into the middle of a file).
/// </summary>
public static class StreamWriterShims
{
    // What StreamWriter's path constructors open with.
    private const int FileStreamBufferSize = 4096;

    /// <summary>StreamWriter's default: UTF-8 without a BOM, throwing on invalid surrogates.</summary>
    internal static readonly Encoding UTF8NoBOM = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    [Replaces("M:System.IO.StreamWriter.#ctor(System.String)")]
    public static StreamWriter New(string path) =>
        Run(path, () => new StreamWriter(path), () => OpenThroughBroker(path, append: false, UTF8NoBOM, bufferSize: null));

    [Replaces("M:System.IO.StreamWriter.#ctor(System.String,System.Boolean)")]
    public static StreamWriter New(string path, bool append) =>
        Run(path, () => new StreamWriter(path, append), () => OpenThroughBroker(path, append, UTF8NoBOM, bufferSize: null));

    [Replaces("M:System.IO.StreamWriter.#ctor(System.String,System.Boolean,System.Text.Encoding)")]
    public static StreamWriter New(string path, bool append, Encoding? encoding) =>
        Run(path, () => new StreamWriter(path, append, encoding), () => OpenThroughBroker(path, append, encoding, bufferSize: null));

    [Replaces("M:System.IO.StreamWriter.#ctor(System.String,System.Boolean,System.Text.Encoding,System.Int32)")]
    public static StreamWriter New(string path, bool append, Encoding? encoding, int bufferSize) =>
        Run(path, () => new StreamWriter(path, append, encoding, bufferSize), () => OpenThroughBroker(path, append, encoding, bufferSize));

    [Replaces("M:System.IO.StreamWriter.#ctor(System.String,System.IO.FileStreamOptions)")]
    public static StreamWriter New(string path, FileStreamOptions options) =>
        Run(path, () => new StreamWriter(path, options), () => OpenThroughBroker(path, UTF8NoBOM, options));

    [Replaces("M:System.IO.StreamWriter.#ctor(System.String,System.Text.Encoding,System.IO.FileStreamOptions)")]
    public static StreamWriter New(string path, Encoding? encoding, FileStreamOptions options) =>
        Run(path, () => new StreamWriter(path, encoding, options), () => OpenThroughBroker(path, encoding, options));

    /// <summary>The brokered equivalent of <c>new StreamWriter(path, append, encoding, bufferSize)</c> (null: the default size).</summary>
    internal static StreamWriter OpenThroughBroker(string path, bool append, Encoding? encoding, int? bufferSize)
    {
        // Checked before the open: a Create-mode open truncates the file, which must not happen for a call that then fails.
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (bufferSize is int size)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size, nameof(bufferSize));
        }

        var stream = BrokeredFileOpen.Open(path, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.Read, FileStreamBufferSize, FileOptions.None);
        return Wrap(stream, encoding, bufferSize ?? -1);
    }

    private static StreamWriter OpenThroughBroker(string path, Encoding? encoding, FileStreamOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(options);
        if ((options.Access & FileAccess.Write) == 0)
        {
            throw new ArgumentException("Stream was not writable.", nameof(options));
        }

        return Wrap(BrokeredFileOpen.Open(path, options), encoding, -1);
    }

    private static StreamWriter Wrap(FileStream stream, Encoding? encoding, int bufferSize)
    {
        try
        {
            return new StreamWriter(stream, encoding, bufferSize);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static StreamWriter Run(string path, Func<StreamWriter> original, Func<StreamWriter> brokered) =>
        FastPath.Run(FallbackRule.ForFile(path), original, brokered);
}

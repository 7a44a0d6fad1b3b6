using System.Runtime.CompilerServices;
using System.Text;
using PrivSep.Shim.Routing;

namespace PrivSep.Shim.Replacements;

/// <summary>File.ReadAllText, ReadAllBytes, ReadAllLines, ReadLines and their Async forms.</summary>
public static partial class FileShims
{
    [Replaces("M:System.IO.File.ReadAllText(System.String)")]
    public static string ReadAllText(string path) =>
        Run(path, () => File.ReadAllText(path), () => ReadAllTextThroughBroker(path, Encoding.UTF8));

    [Replaces("M:System.IO.File.ReadAllText(System.String,System.Text.Encoding)")]
    public static string ReadAllText(string path, Encoding encoding) =>
        Run(path, () => File.ReadAllText(path, encoding), () => ReadAllTextThroughBroker(path, encoding));

    [Replaces("M:System.IO.File.ReadAllTextAsync(System.String,System.Threading.CancellationToken)")]
    public static Task<string> ReadAllTextAsync(string path, CancellationToken cancellationToken = default) =>
        RunAsync(path, () => File.ReadAllTextAsync(path, cancellationToken), () => ReadAllTextThroughBrokerAsync(path, Encoding.UTF8, cancellationToken));

    [Replaces("M:System.IO.File.ReadAllTextAsync(System.String,System.Text.Encoding,System.Threading.CancellationToken)")]
    public static Task<string> ReadAllTextAsync(string path, Encoding encoding, CancellationToken cancellationToken = default) =>
        RunAsync(path, () => File.ReadAllTextAsync(path, encoding, cancellationToken), () => ReadAllTextThroughBrokerAsync(path, encoding, cancellationToken));

    [Replaces("M:System.IO.File.ReadAllBytes(System.String)")]
    public static byte[] ReadAllBytes(string path) =>
        Run(path, () => File.ReadAllBytes(path), () => ReadAllBytesThroughBroker(path));

    [Replaces("M:System.IO.File.ReadAllBytesAsync(System.String,System.Threading.CancellationToken)")]
    public static Task<byte[]> ReadAllBytesAsync(string path, CancellationToken cancellationToken = default) =>
        RunAsync(path, () => File.ReadAllBytesAsync(path, cancellationToken), () => ReadAllBytesThroughBrokerAsync(path, cancellationToken));

    [Replaces("M:System.IO.File.ReadAllLines(System.String)")]
    public static string[] ReadAllLines(string path) =>
        Run(path, () => File.ReadAllLines(path), () => ReadAllLinesThroughBroker(path, Encoding.UTF8));

    [Replaces("M:System.IO.File.ReadAllLines(System.String,System.Text.Encoding)")]
    public static string[] ReadAllLines(string path, Encoding encoding) =>
        Run(path, () => File.ReadAllLines(path, encoding), () => ReadAllLinesThroughBroker(path, encoding));

    [Replaces("M:System.IO.File.ReadAllLinesAsync(System.String,System.Threading.CancellationToken)")]
    public static Task<string[]> ReadAllLinesAsync(string path, CancellationToken cancellationToken = default) =>
        RunAsync(path, () => File.ReadAllLinesAsync(path, cancellationToken), () => ReadAllLinesThroughBrokerAsync(path, Encoding.UTF8, cancellationToken));

    [Replaces("M:System.IO.File.ReadAllLinesAsync(System.String,System.Text.Encoding,System.Threading.CancellationToken)")]
    public static Task<string[]> ReadAllLinesAsync(string path, Encoding encoding, CancellationToken cancellationToken = default) =>
        RunAsync(path, () => File.ReadAllLinesAsync(path, encoding, cancellationToken), () => ReadAllLinesThroughBrokerAsync(path, encoding, cancellationToken));

    [Replaces("M:System.IO.File.ReadLines(System.String)")]
    public static IEnumerable<string> ReadLines(string path) =>
        Run(path, () => File.ReadLines(path), () => ReadLinesThroughBroker(path, Encoding.UTF8));

    [Replaces("M:System.IO.File.ReadLines(System.String,System.Text.Encoding)")]
    public static IEnumerable<string> ReadLines(string path, Encoding encoding) =>
        Run(path, () => File.ReadLines(path, encoding), () => ReadLinesThroughBroker(path, encoding));

    [Replaces("M:System.IO.File.ReadLinesAsync(System.String,System.Threading.CancellationToken)")]
    public static IAsyncEnumerable<string> ReadLinesAsync(string path, CancellationToken cancellationToken = default) =>
        Run(path, () => File.ReadLinesAsync(path, cancellationToken), () => ReadLinesThroughBrokerAsync(path, Encoding.UTF8, cancellationToken));

    [Replaces("M:System.IO.File.ReadLinesAsync(System.String,System.Text.Encoding,System.Threading.CancellationToken)")]
    public static IAsyncEnumerable<string> ReadLinesAsync(string path, Encoding encoding, CancellationToken cancellationToken = default) =>
        Run(path, () => File.ReadLinesAsync(path, encoding, cancellationToken), () => ReadLinesThroughBrokerAsync(path, encoding, cancellationToken));

    // The text readers detect byte-order marks as File's own members do (they read through new StreamReader(path, encoding)).
    private static StreamReader OpenReaderThroughBroker(string path, Encoding encoding) =>
        StreamReaderShims.OpenThroughBroker(path, encoding, detectEncodingFromByteOrderMarks: true, bufferSize: null);

    private static async Task<StreamReader> OpenReaderThroughBrokerAsync(string path, Encoding encoding, CancellationToken cancellationToken)
    {
        var stream = await BrokeredFileOpen.OpenAsync(path, FileMode.Open, FileAccess.Read, FileShare.Read, DefaultBufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan, cancellationToken).ConfigureAwait(false);
        return new StreamReader(stream, encoding, detectEncodingFromByteOrderMarks: true);
    }

    private static string ReadAllTextThroughBroker(string path, Encoding encoding)
    {
        ValidatePathAndEncoding(path, encoding);
        using var reader = OpenReaderThroughBroker(path, encoding);
        return reader.ReadToEnd();
    }

    private static Task<string> ReadAllTextThroughBrokerAsync(string path, Encoding encoding, CancellationToken cancellationToken)
    {
        ValidatePathAndEncoding(path, encoding);
        return cancellationToken.IsCancellationRequested ? Task.FromCanceled<string>(cancellationToken) : Core();

        async Task<string> Core()
        {
            using var reader = await OpenReaderThroughBrokerAsync(path, encoding, cancellationToken).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            return await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static string[] ReadAllLinesThroughBroker(string path, Encoding encoding)
    {
        ValidatePathAndEncoding(path, encoding);
        using var reader = OpenReaderThroughBroker(path, encoding);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            lines.Add(line);
        }

        return lines.ToArray();
    }

    private static Task<string[]> ReadAllLinesThroughBrokerAsync(string path, Encoding encoding, CancellationToken cancellationToken)
    {
        ValidatePathAndEncoding(path, encoding);
        return cancellationToken.IsCancellationRequested ? Task.FromCanceled<string[]>(cancellationToken) : Core();

        async Task<string[]> Core()
        {
            using var reader = await OpenReaderThroughBrokerAsync(path, encoding, cancellationToken).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            var lines = new List<string>();
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                lines.Add(line);
                cancellationToken.ThrowIfCancellationRequested();
            }

            return lines.ToArray();
        }
    }

    /// <summary>Opens now (a missing or refused file throws at call time, as File.ReadLines does) and reads lazily.</summary>
    private static IEnumerable<string> ReadLinesThroughBroker(string path, Encoding encoding)
    {
        ValidatePathAndEncoding(path, encoding);
        var opened = LinesOf(OpenReaderThroughBroker(path, encoding));
        return new ReopeningEnumerable<string>(opened, () => LinesOf(OpenReaderThroughBroker(path, encoding)));
    }

    private static IEnumerable<string> LinesOf(StreamReader reader)
    {
        using (reader)
        {
            while (reader.ReadLine() is { } line)
            {
                yield return line;
            }
        }
    }

    /// <summary>Opens now, as File.ReadLinesAsync does; a second enumeration opens the file again.</summary>
    private static IAsyncEnumerable<string> ReadLinesThroughBrokerAsync(string path, Encoding encoding, CancellationToken cancellationToken)
    {
        ValidatePathAndEncoding(path, encoding);
        var reader = OpenReaderThroughBroker(path, encoding);
        return LinesOfAsync(reader, path, encoding, cancellationToken);
    }

    private static async IAsyncEnumerable<string> LinesOfAsync(StreamReader reader, string path, Encoding encoding, CancellationToken callToken, [EnumeratorCancellation] CancellationToken enumeratorToken = default)
    {
        // The first enumeration leaves the reader disposed; File.ReadLinesAsync re-opens in that case, and so does this.
        if (!reader.BaseStream.CanRead)
        {
            reader = OpenReaderThroughBroker(path, encoding);
        }

        using (reader)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(callToken, enumeratorToken);
            while (await reader.ReadLineAsync(linked.Token).ConfigureAwait(false) is { } line)
            {
                yield return line;
            }
        }
    }

    private static byte[] ReadAllBytesThroughBroker(string path)
    {
        using var stream = BrokeredFileOpen.Open(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.None);
        long length = KnownLength(stream);
        if (length == 0)
        {
            return ReadToEnd(stream);
        }

        var bytes = new byte[length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    private static Task<byte[]> ReadAllBytesThroughBrokerAsync(string path, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<byte[]>(cancellationToken);
        }

        FileStreamArguments.Validate(path, FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.Asynchronous);
        return Core();

        async Task<byte[]> Core()
        {
            await using var stream = await BrokeredFileOpen.OpenAsync(path, FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.Asynchronous, cancellationToken).ConfigureAwait(false);
            long length = KnownLength(stream);
            if (length == 0)
            {
                using var collected = new MemoryStream();
                await stream.CopyToAsync(collected, cancellationToken).ConfigureAwait(false);
                return collected.ToArray();
            }

            var bytes = new byte[length];
            await stream.ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
            return bytes;
        }
    }

    /// <summary>
    /// The length to preallocate, as File.ReadAllBytes decides it: 0 means unknown, because procfs and friends report 0 for
    /// files with content and pipes cannot seek.
    /// </summary>
    private static long KnownLength(FileStream stream)
    {
        long length = stream.CanSeek ? stream.Length : 0;
        if (length > Array.MaxLength)
        {
            throw new IOException("The file is too long. This operation is currently limited to supporting files less than 2 gigabytes in size.");
        }

        return length;
    }

    private static byte[] ReadToEnd(FileStream stream)
    {
        using var collected = new MemoryStream();
        stream.CopyTo(collected);
        return collected.ToArray();
    }
}

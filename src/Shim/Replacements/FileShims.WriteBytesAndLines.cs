using System.Text;
using PrivSep.Shim.Routing;

namespace PrivSep.Shim.Replacements;

/// <summary>File.WriteAllBytes, WriteAllLines, AppendAllLines and their Async forms.</summary>
/// <remarks>
/// The IEnumerable overloads hand the caller's lines to the original through a <see cref="LineSource"/>: a refusal after
/// the first line was taken is not retried, because the lines would be enumerated a second time.
/// </remarks>
public static partial class FileShims
{
    [Replaces("M:System.IO.File.WriteAllBytes(System.String,System.Byte[])")]
    public static void WriteAllBytes(string path, byte[] bytes) =>
        Run(path, () => File.WriteAllBytes(path, bytes), () => WriteBytesThroughBroker(path, bytes));

    [Replaces("M:System.IO.File.WriteAllBytes(System.String,System.ReadOnlySpan{System.Byte})")]
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        if (FastPath.TriesOriginalFirst)
        {
            try
            {
                File.WriteAllBytes(path, bytes);
                return;
            }
            catch (Exception ex) when (FallbackRule.ForFile(path).SendsToBroker(ex))
            {
                // Retried through the broker below.
            }
        }

        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = BrokeredFileOpen.Open(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0, FileOptions.None);
        stream.Write(bytes);
    }

    [Replaces("M:System.IO.File.WriteAllBytesAsync(System.String,System.Byte[],System.Threading.CancellationToken)")]
    public static Task WriteAllBytesAsync(string path, byte[] bytes, CancellationToken cancellationToken = default) =>
        RunAsync(path, () => File.WriteAllBytesAsync(path, bytes, cancellationToken), () => WriteBytesThroughBrokerAsync(path, bytes, cancellationToken));

    [Replaces("M:System.IO.File.WriteAllBytesAsync(System.String,System.ReadOnlyMemory{System.Byte},System.Threading.CancellationToken)")]
    public static Task WriteAllBytesAsync(string path, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default) =>
        RunAsync(path, () => File.WriteAllBytesAsync(path, bytes, cancellationToken), () => WriteBytesThroughBrokerAsync(path, bytes, cancellationToken));

    [Replaces("M:System.IO.File.WriteAllLines(System.String,System.String[])")]
    public static void WriteAllLines(string path, string[] contents) =>
        Run(path, () => File.WriteAllLines(path, contents), () => WriteLinesThroughBroker(path, contents, UTF8NoBOM, append: false));

    [Replaces("M:System.IO.File.WriteAllLines(System.String,System.String[],System.Text.Encoding)")]
    public static void WriteAllLines(string path, string[] contents, Encoding encoding) =>
        Run(path, () => File.WriteAllLines(path, contents, encoding), () => WriteLinesThroughBroker(path, contents, encoding, append: false));

    [Replaces("M:System.IO.File.WriteAllLines(System.String,System.Collections.Generic.IEnumerable{System.String})")]
    public static void WriteAllLines(string path, IEnumerable<string> contents)
    {
        var lines = new LineSource(contents);
        FastPath.Run(FallbackRule.ForFile(path).UnlessConsumed(lines), () => File.WriteAllLines(path, lines.ForOriginal), () => WriteLinesThroughBroker(path, contents, UTF8NoBOM, append: false));
    }

    [Replaces("M:System.IO.File.WriteAllLines(System.String,System.Collections.Generic.IEnumerable{System.String},System.Text.Encoding)")]
    public static void WriteAllLines(string path, IEnumerable<string> contents, Encoding encoding)
    {
        var lines = new LineSource(contents);
        FastPath.Run(FallbackRule.ForFile(path).UnlessConsumed(lines), () => File.WriteAllLines(path, lines.ForOriginal, encoding), () => WriteLinesThroughBroker(path, contents, encoding, append: false));
    }

    [Replaces("M:System.IO.File.WriteAllLinesAsync(System.String,System.Collections.Generic.IEnumerable{System.String},System.Threading.CancellationToken)")]
    public static Task WriteAllLinesAsync(string path, IEnumerable<string> contents, CancellationToken cancellationToken = default)
    {
        var lines = new LineSource(contents);
        return FastPath.RunAsync(FallbackRule.ForFile(path).UnlessConsumed(lines), () => File.WriteAllLinesAsync(path, lines.ForOriginal, cancellationToken), () => WriteLinesThroughBrokerAsync(path, contents, UTF8NoBOM, append: false, cancellationToken));
    }

    [Replaces("M:System.IO.File.WriteAllLinesAsync(System.String,System.Collections.Generic.IEnumerable{System.String},System.Text.Encoding,System.Threading.CancellationToken)")]
    public static Task WriteAllLinesAsync(string path, IEnumerable<string> contents, Encoding encoding, CancellationToken cancellationToken = default)
    {
        var lines = new LineSource(contents);
        return FastPath.RunAsync(FallbackRule.ForFile(path).UnlessConsumed(lines), () => File.WriteAllLinesAsync(path, lines.ForOriginal, encoding, cancellationToken), () => WriteLinesThroughBrokerAsync(path, contents, encoding, append: false, cancellationToken));
    }

    [Replaces("M:System.IO.File.AppendAllLines(System.String,System.Collections.Generic.IEnumerable{System.String})")]
    public static void AppendAllLines(string path, IEnumerable<string> contents)
    {
        var lines = new LineSource(contents);
        FastPath.Run(FallbackRule.ForFile(path).UnlessConsumed(lines), () => File.AppendAllLines(path, lines.ForOriginal), () => WriteLinesThroughBroker(path, contents, UTF8NoBOM, append: true));
    }

    [Replaces("M:System.IO.File.AppendAllLines(System.String,System.Collections.Generic.IEnumerable{System.String},System.Text.Encoding)")]
    public static void AppendAllLines(string path, IEnumerable<string> contents, Encoding encoding)
    {
        var lines = new LineSource(contents);
        FastPath.Run(FallbackRule.ForFile(path).UnlessConsumed(lines), () => File.AppendAllLines(path, lines.ForOriginal, encoding), () => WriteLinesThroughBroker(path, contents, encoding, append: true));
    }

    [Replaces("M:System.IO.File.AppendAllLinesAsync(System.String,System.Collections.Generic.IEnumerable{System.String},System.Threading.CancellationToken)")]
    public static Task AppendAllLinesAsync(string path, IEnumerable<string> contents, CancellationToken cancellationToken = default)
    {
        var lines = new LineSource(contents);
        return FastPath.RunAsync(FallbackRule.ForFile(path).UnlessConsumed(lines), () => File.AppendAllLinesAsync(path, lines.ForOriginal, cancellationToken), () => WriteLinesThroughBrokerAsync(path, contents, UTF8NoBOM, append: true, cancellationToken));
    }

    [Replaces("M:System.IO.File.AppendAllLinesAsync(System.String,System.Collections.Generic.IEnumerable{System.String},System.Text.Encoding,System.Threading.CancellationToken)")]
    public static Task AppendAllLinesAsync(string path, IEnumerable<string> contents, Encoding encoding, CancellationToken cancellationToken = default)
    {
        var lines = new LineSource(contents);
        return FastPath.RunAsync(FallbackRule.ForFile(path).UnlessConsumed(lines), () => File.AppendAllLinesAsync(path, lines.ForOriginal, encoding, cancellationToken), () => WriteLinesThroughBrokerAsync(path, contents, encoding, append: true, cancellationToken));
    }

    private static void WriteBytesThroughBroker(string path, byte[] bytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(bytes);
        using var stream = BrokeredFileOpen.Open(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0, FileOptions.None);
        stream.Write(bytes);
    }

    private static Task WriteBytesThroughBrokerAsync(string path, byte[] bytes, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(bytes);
        return WriteBytesThroughBrokerCoreAsync(path, bytes, cancellationToken);
    }

    private static Task WriteBytesThroughBrokerAsync(string path, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return WriteBytesThroughBrokerCoreAsync(path, bytes, cancellationToken);
    }

    private static Task WriteBytesThroughBrokerCoreAsync(string path, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        return cancellationToken.IsCancellationRequested ? Task.FromCanceled(cancellationToken) : Core();

        async Task Core()
        {
            await using var stream = await BrokeredFileOpen.OpenAsync(path, FileMode.Create, FileAccess.Write, FileShare.Read, 0, FileOptions.Asynchronous, cancellationToken).ConfigureAwait(false);
            await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        }
    }

    private static void WriteLinesThroughBroker(string path, IEnumerable<string> contents, Encoding encoding, bool append)
    {
        ValidatePathAndEncoding(path, encoding);
        ArgumentNullException.ThrowIfNull(contents);
        using var writer = StreamWriterShims.OpenThroughBroker(path, append, encoding, bufferSize: null);
        foreach (string line in contents)
        {
            writer.WriteLine(line);
        }
    }

    private static Task WriteLinesThroughBrokerAsync(string path, IEnumerable<string> contents, Encoding encoding, bool append, CancellationToken cancellationToken)
    {
        ValidatePathAndEncoding(path, encoding);
        ArgumentNullException.ThrowIfNull(contents);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        // File opens before its first await, so an open failure is thrown to the caller rather than stored in the task.
        var writer = StreamWriterShims.OpenThroughBroker(path, append, encoding, bufferSize: null);
        return Core();

        async Task Core()
        {
            await using (writer.ConfigureAwait(false))
            {
                foreach (string line in contents)
                {
                    await writer.WriteLineAsync(line.AsMemory(), cancellationToken).ConfigureAwait(false);
                }

                await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }
}

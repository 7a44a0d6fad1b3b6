using System.Buffers;
using System.Text;
using PrivSep.Shim.Routing;

namespace PrivSep.Shim.Replacements;

/// <summary>File.WriteAllText, AppendAllText and their Async forms.</summary>
/// <remarks>
/// The ReadOnlySpan overloads spell the fast path out with try/catch: a span cannot be captured by the delegates
/// <see cref="FastPath"/> takes.
/// </remarks>
public static partial class FileShims
{
    // File encodes text in chunks of this many chars.
    private const int ChunkSize = 8192;

    [Replaces("M:System.IO.File.WriteAllText(System.String,System.String)")]
    public static void WriteAllText(string path, string? contents) =>
        Run(path, () => File.WriteAllText(path, contents), () => WriteTextThroughBroker(path, FileMode.Create, contents, UTF8NoBOM));

    [Replaces("M:System.IO.File.WriteAllText(System.String,System.String,System.Text.Encoding)")]
    public static void WriteAllText(string path, string? contents, Encoding encoding) =>
        Run(path, () => File.WriteAllText(path, contents, encoding), () => WriteTextThroughBroker(path, FileMode.Create, contents, encoding));

    [Replaces("M:System.IO.File.WriteAllText(System.String,System.ReadOnlySpan{System.Char})")]
    public static void WriteAllText(string path, ReadOnlySpan<char> contents)
    {
        if (FastPath.TriesOriginalFirst)
        {
            try
            {
                File.WriteAllText(path, contents);
                return;
            }
            catch (Exception ex) when (FallbackRule.ForFile(path).SendsToBroker(ex))
            {
                // Retried through the broker below.
            }
        }

        WriteTextThroughBroker(path, FileMode.Create, contents, UTF8NoBOM);
    }

    [Replaces("M:System.IO.File.WriteAllText(System.String,System.ReadOnlySpan{System.Char},System.Text.Encoding)")]
    public static void WriteAllText(string path, ReadOnlySpan<char> contents, Encoding encoding)
    {
        if (FastPath.TriesOriginalFirst)
        {
            try
            {
                File.WriteAllText(path, contents, encoding);
                return;
            }
            catch (Exception ex) when (FallbackRule.ForFile(path).SendsToBroker(ex))
            {
                // Retried through the broker below.
            }
        }

        WriteTextThroughBroker(path, FileMode.Create, contents, encoding);
    }

    [Replaces("M:System.IO.File.WriteAllTextAsync(System.String,System.String,System.Threading.CancellationToken)")]
    public static Task WriteAllTextAsync(string path, string? contents, CancellationToken cancellationToken = default) =>
        RunAsync(path, () => File.WriteAllTextAsync(path, contents, cancellationToken), () => WriteTextThroughBrokerAsync(path, FileMode.Create, contents.AsMemory(), UTF8NoBOM, cancellationToken));

    [Replaces("M:System.IO.File.WriteAllTextAsync(System.String,System.String,System.Text.Encoding,System.Threading.CancellationToken)")]
    public static Task WriteAllTextAsync(string path, string? contents, Encoding encoding, CancellationToken cancellationToken = default) =>
        RunAsync(path, () => File.WriteAllTextAsync(path, contents, encoding, cancellationToken), () => WriteTextThroughBrokerAsync(path, FileMode.Create, contents.AsMemory(), encoding, cancellationToken));

    [Replaces("M:System.IO.File.WriteAllTextAsync(System.String,System.ReadOnlyMemory{System.Char},System.Threading.CancellationToken)")]
    public static Task WriteAllTextAsync(string path, ReadOnlyMemory<char> contents, CancellationToken cancellationToken = default) =>
        RunAsync(path, () => File.WriteAllTextAsync(path, contents, cancellationToken), () => WriteTextThroughBrokerAsync(path, FileMode.Create, contents, UTF8NoBOM, cancellationToken));

    [Replaces("M:System.IO.File.WriteAllTextAsync(System.String,System.ReadOnlyMemory{System.Char},System.Text.Encoding,System.Threading.CancellationToken)")]
    public static Task WriteAllTextAsync(string path, ReadOnlyMemory<char> contents, Encoding encoding, CancellationToken cancellationToken = default) =>
        RunAsync(path, () => File.WriteAllTextAsync(path, contents, encoding, cancellationToken), () => WriteTextThroughBrokerAsync(path, FileMode.Create, contents, encoding, cancellationToken));

    [Replaces("M:System.IO.File.AppendAllText(System.String,System.String)")]
    public static void AppendAllText(string path, string? contents) =>
        Run(path, () => File.AppendAllText(path, contents), () => WriteTextThroughBroker(path, FileMode.Append, contents, UTF8NoBOM));

    [Replaces("M:System.IO.File.AppendAllText(System.String,System.String,System.Text.Encoding)")]
    public static void AppendAllText(string path, string? contents, Encoding encoding) =>
        Run(path, () => File.AppendAllText(path, contents, encoding), () => WriteTextThroughBroker(path, FileMode.Append, contents, encoding));

    [Replaces("M:System.IO.File.AppendAllText(System.String,System.ReadOnlySpan{System.Char})")]
    public static void AppendAllText(string path, ReadOnlySpan<char> contents)
    {
        if (FastPath.TriesOriginalFirst)
        {
            try
            {
                File.AppendAllText(path, contents);
                return;
            }
            catch (Exception ex) when (FallbackRule.ForFile(path).SendsToBroker(ex))
            {
                // Retried through the broker below.
            }
        }

        WriteTextThroughBroker(path, FileMode.Append, contents, UTF8NoBOM);
    }

    [Replaces("M:System.IO.File.AppendAllText(System.String,System.ReadOnlySpan{System.Char},System.Text.Encoding)")]
    public static void AppendAllText(string path, ReadOnlySpan<char> contents, Encoding encoding)
    {
        if (FastPath.TriesOriginalFirst)
        {
            try
            {
                File.AppendAllText(path, contents, encoding);
                return;
            }
            catch (Exception ex) when (FallbackRule.ForFile(path).SendsToBroker(ex))
            {
                // Retried through the broker below.
            }
        }

        WriteTextThroughBroker(path, FileMode.Append, contents, encoding);
    }

    [Replaces("M:System.IO.File.AppendAllTextAsync(System.String,System.String,System.Threading.CancellationToken)")]
    public static Task AppendAllTextAsync(string path, string? contents, CancellationToken cancellationToken = default) =>
        RunAsync(path, () => File.AppendAllTextAsync(path, contents, cancellationToken), () => WriteTextThroughBrokerAsync(path, FileMode.Append, contents.AsMemory(), UTF8NoBOM, cancellationToken));

    [Replaces("M:System.IO.File.AppendAllTextAsync(System.String,System.String,System.Text.Encoding,System.Threading.CancellationToken)")]
    public static Task AppendAllTextAsync(string path, string? contents, Encoding encoding, CancellationToken cancellationToken = default) =>
        RunAsync(path, () => File.AppendAllTextAsync(path, contents, encoding, cancellationToken), () => WriteTextThroughBrokerAsync(path, FileMode.Append, contents.AsMemory(), encoding, cancellationToken));

    [Replaces("M:System.IO.File.AppendAllTextAsync(System.String,System.ReadOnlyMemory{System.Char},System.Threading.CancellationToken)")]
    public static Task AppendAllTextAsync(string path, ReadOnlyMemory<char> contents, CancellationToken cancellationToken = default) =>
        RunAsync(path, () => File.AppendAllTextAsync(path, contents, cancellationToken), () => WriteTextThroughBrokerAsync(path, FileMode.Append, contents, UTF8NoBOM, cancellationToken));

    [Replaces("M:System.IO.File.AppendAllTextAsync(System.String,System.ReadOnlyMemory{System.Char},System.Text.Encoding,System.Threading.CancellationToken)")]
    public static Task AppendAllTextAsync(string path, ReadOnlyMemory<char> contents, Encoding encoding, CancellationToken cancellationToken = default) =>
        RunAsync(path, () => File.AppendAllTextAsync(path, contents, encoding, cancellationToken), () => WriteTextThroughBrokerAsync(path, FileMode.Append, contents, encoding, cancellationToken));

    /// <summary>As File's WriteToFile: the preamble only at the start of the file (even for empty contents), then the text in chunks.</summary>
    private static void WriteTextThroughBroker(string path, FileMode mode, ReadOnlySpan<char> contents, Encoding encoding)
    {
        ValidatePathAndEncoding(path, encoding);
        using var stream = BrokeredFileOpen.Open(path, mode, FileAccess.Write, FileShare.Read, bufferSize: 0, FileOptions.None);
        if (StartsAtBeginning(stream, mode))
        {
            stream.Write(encoding.Preamble);
        }

        if (contents.IsEmpty)
        {
            return;
        }

        var encoder = encoding.GetEncoder();
        byte[] bytes = ArrayPool<byte>.Shared.Rent(encoding.GetMaxByteCount(Math.Min(contents.Length, ChunkSize)));
        try
        {
            while (!contents.IsEmpty)
            {
                var chunk = contents[..Math.Min(contents.Length, ChunkSize)];
                contents = contents[chunk.Length..];
                int encoded = encoder.GetBytes(chunk, bytes, flush: contents.IsEmpty);
                stream.Write(bytes, 0, encoded);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private static Task WriteTextThroughBrokerAsync(string path, FileMode mode, ReadOnlyMemory<char> contents, Encoding encoding, CancellationToken cancellationToken)
    {
        ValidatePathAndEncoding(path, encoding);
        return cancellationToken.IsCancellationRequested ? Task.FromCanceled(cancellationToken) : Core();

        async Task Core()
        {
            await using var stream = await BrokeredFileOpen.OpenAsync(path, mode, FileAccess.Write, FileShare.Read, 0, FileOptions.Asynchronous, cancellationToken).ConfigureAwait(false);
            if (StartsAtBeginning(stream, mode))
            {
                await stream.WriteAsync(encoding.GetPreamble(), cancellationToken).ConfigureAwait(false);
            }

            if (contents.IsEmpty)
            {
                return;
            }

            var encoder = encoding.GetEncoder();
            byte[] bytes = ArrayPool<byte>.Shared.Rent(encoding.GetMaxByteCount(Math.Min(contents.Length, ChunkSize)));
            try
            {
                while (!contents.IsEmpty)
                {
                    var chunk = contents[..Math.Min(contents.Length, ChunkSize)];
                    contents = contents[chunk.Length..];
                    int encoded = encoder.GetBytes(chunk.Span, bytes, flush: contents.IsEmpty);
                    await stream.WriteAsync(bytes.AsMemory(0, encoded), cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(bytes);
            }
        }
    }

    // Appending to a file that has data must not put a preamble in the middle of it.
    private static bool StartsAtBeginning(FileStream stream, FileMode mode) =>
        mode != FileMode.Append || !stream.CanSeek || stream.Length == 0;
}

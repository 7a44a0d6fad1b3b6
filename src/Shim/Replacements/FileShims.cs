using System.Text;
using PrivSep.Shim.Routing;

namespace PrivSep.Shim.Replacements;

/// <summary>
/// Replacements for the privileged members of <see cref="File"/>. Each runs the original first; after a refusal (or with
/// every call routed to the broker) a brokered equivalent runs that mirrors the BCL member's body over a brokered
/// FileStream: same validation, same defaults, same encodings and byte-order-mark handling.
/// The members are split by concern: FileShims.Read.cs, FileShims.Write.cs (text), FileShims.WriteBytesAndLines.cs,
/// FileShims.Open.cs, FileShims.Manage.cs.
/// </summary>
public static partial class FileShims
{
    // What File's members open with, for the brokered equivalents.
    private const int DefaultBufferSize = 4096;

    /// <summary>File's default for writing text: UTF-8 without a BOM, throwing on invalid surrogates.</summary>
    private static Encoding UTF8NoBOM => StreamWriterShims.UTF8NoBOM;

    private static void ValidatePathAndEncoding(string path, Encoding encoding)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(encoding);
    }

    private static T Run<T>(string path, Func<T> original, Func<T> brokered) =>
        FastPath.Run(FallbackRule.ForFile(path), original, brokered);

    private static void Run(string path, Action original, Action brokered) =>
        FastPath.Run(FallbackRule.ForFile(path), original, brokered);

    private static Task<T> RunAsync<T>(string path, Func<Task<T>> original, Func<Task<T>> brokered) =>
        FastPath.RunAsync(FallbackRule.ForFile(path), original, brokered);

    private static Task RunAsync(string path, Func<Task> original, Func<Task> brokered) =>
        FastPath.RunAsync(FallbackRule.ForFile(path), original, brokered);
}

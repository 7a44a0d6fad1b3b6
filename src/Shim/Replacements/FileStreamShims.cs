using PrivSep.Shim.Routing;

namespace PrivSep.Shim.Replacements;

/// <summary>
/// Replacements for every path-taking <see cref="FileStream"/> constructor, as factories. Through the broker the result is
/// still a real FileStream, on the descriptor the broker opened, so reads, writes and seeks run at native speed.
/// </summary>
/// <remarks>
/// A brokered FileStream's <see cref="FileStream.Name"/> is "[Unknown]" (the BCL has no way to name a stream built on a
/// descriptor), and <see cref="FileOptions.DeleteOnClose"/> is left to the broker's open.
/// </remarks>
public static class FileStreamShims
{
    private const int DefaultBufferSize = 4096;

    [Replaces("M:System.IO.FileStream.#ctor(System.String,System.IO.FileMode)")]
    public static FileStream New(string path, FileMode mode) =>
        Open(() => new FileStream(path, mode), path, mode, mode == FileMode.Append ? FileAccess.Write : FileAccess.ReadWrite, FileShare.Read, DefaultBufferSize, FileOptions.None);

    [Replaces("M:System.IO.FileStream.#ctor(System.String,System.IO.FileMode,System.IO.FileAccess)")]
    public static FileStream New(string path, FileMode mode, FileAccess access) =>
        Open(() => new FileStream(path, mode, access), path, mode, access, FileShare.Read, DefaultBufferSize, FileOptions.None);

    [Replaces("M:System.IO.FileStream.#ctor(System.String,System.IO.FileMode,System.IO.FileAccess,System.IO.FileShare)")]
    public static FileStream New(string path, FileMode mode, FileAccess access, FileShare share) =>
        Open(() => new FileStream(path, mode, access, share), path, mode, access, share, DefaultBufferSize, FileOptions.None);

    [Replaces("M:System.IO.FileStream.#ctor(System.String,System.IO.FileMode,System.IO.FileAccess,System.IO.FileShare,System.Int32)")]
    public static FileStream New(string path, FileMode mode, FileAccess access, FileShare share, int bufferSize) =>
        Open(() => new FileStream(path, mode, access, share, bufferSize), path, mode, access, share, bufferSize, FileOptions.None);

    [Replaces("M:System.IO.FileStream.#ctor(System.String,System.IO.FileMode,System.IO.FileAccess,System.IO.FileShare,System.Int32,System.Boolean)")]
    public static FileStream New(string path, FileMode mode, FileAccess access, FileShare share, int bufferSize, bool useAsync) =>
        Open(() => new FileStream(path, mode, access, share, bufferSize, useAsync), path, mode, access, share, bufferSize, useAsync ? FileOptions.Asynchronous : FileOptions.None);

    [Replaces("M:System.IO.FileStream.#ctor(System.String,System.IO.FileMode,System.IO.FileAccess,System.IO.FileShare,System.Int32,System.IO.FileOptions)")]
    public static FileStream New(string path, FileMode mode, FileAccess access, FileShare share, int bufferSize, FileOptions options) =>
        Open(() => new FileStream(path, mode, access, share, bufferSize, options), path, mode, access, share, bufferSize, options);

    [Replaces("M:System.IO.FileStream.#ctor(System.String,System.IO.FileStreamOptions)")]
    public static FileStream New(string path, FileStreamOptions options) =>
        FastPath.Run(FallbackRule.ForFile(path), () => new FileStream(path, options), () => BrokeredFileOpen.Open(path, options));

    /// <summary>The routed open the other file replacements build on: the original constructor first, then the broker.</summary>
    internal static FileStream Open(Func<FileStream> original, string path, FileMode mode, FileAccess access, FileShare share, int bufferSize, FileOptions options) =>
        FastPath.Run(FallbackRule.ForFile(path), original, () => BrokeredFileOpen.Open(path, mode, access, share, bufferSize, options));

    /// <summary>As <see cref="Open(Func{FileStream}, string, FileMode, FileAccess, FileShare, int, FileOptions)"/>, with the original constructor implied.</summary>
    internal static FileStream Open(string path, FileMode mode, FileAccess access, FileShare share, int bufferSize, FileOptions options) =>
        Open(() => new FileStream(path, mode, access, share, bufferSize, options), path, mode, access, share, bufferSize, options);
}

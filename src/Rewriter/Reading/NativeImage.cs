namespace PrivSep.Rewriter;

/// <summary>
/// Recognizes native code among the files of a plugin folder that are not named like assemblies (libnative.so,
/// libfoo.so.1, a .dylib, a PE image under another name), by their first bytes rather than their names: what the loader
/// would accept is what matters, whatever the file is called.
/// </summary>
internal static class NativeImage
{
    private static readonly (byte[] Magic, string Description)[] Magics =
    [
        ([0x7F, (byte)'E', (byte)'L', (byte)'F'], "a native library (ELF)"),
        ([0xFE, 0xED, 0xFA, 0xCE], "a native library (Mach-O)"),
        ([0xFE, 0xED, 0xFA, 0xCF], "a native library (Mach-O)"),
        ([0xCE, 0xFA, 0xED, 0xFE], "a native library (Mach-O)"),
        ([0xCF, 0xFA, 0xED, 0xFE], "a native library (Mach-O)"),
        ([(byte)'M', (byte)'Z'], "a PE image not named .dll or .exe (native, or an assembly the rewriter does not treat as one)"),
    ];

    /// <summary>
    /// What kind of image the file is (for a diagnostic: "a native library (ELF)"), or null when it does not start like
    /// one. A file that cannot be read is not judged here: copying it fails on its own.
    /// </summary>
    public static string? Describe(string path)
    {
        Span<byte> head = stackalloc byte[4];
        int read;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
            read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        foreach ((byte[] magic, string description) in Magics)
        {
            if (read >= magic.Length && head[..magic.Length].SequenceEqual(magic))
            {
                return description;
            }
        }

        return null;
    }
}

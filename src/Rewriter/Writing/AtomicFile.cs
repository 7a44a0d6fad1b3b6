namespace PrivSep.Rewriter.Writing;

/// <summary>
/// Never a half-written file: everything goes to a temporary file in the target's own directory (same file system) and
/// is renamed over the target, which on Linux replaces it atomically.
/// </summary>
internal static class AtomicFile
{
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        string temporary = TemporaryPathFor(path);
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    public static void Copy(string source, string destination)
    {
        if (Path.GetFullPath(source) == Path.GetFullPath(destination))
        {
            return;
        }

        WriteAllBytes(destination, File.ReadAllBytes(source));
    }

    private static string TemporaryPathFor(string path)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        return Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.privsep-tmp");
    }
}

using PrivSep.Rewriter.Interop;

namespace PrivSep.Rewriter.Writing;

/// <summary>
/// Never a half-written file: everything goes to a temporary file in the target's own directory (same file system) and
/// is renamed over the target, which on Linux replaces it atomically, so a concurrent reader sees the old file or the
/// new one, never a part. Durability against power loss:
/// <list type="bullet">
/// <item>A file that replaces an existing one (in place, or over an earlier output) is flushed to disk (fsync) before
/// the rename, so a crash leaves the old file or the complete new one, never an empty or torn file where a good one was.</item>
/// <item>A new file (the usual case: a fresh output folder) has nothing to lose if a crash interrupts the run, so it is
/// not flushed one by one; <see cref="SyncFileSystem"/> flushes them all once at the end of the run (one syncfs
/// instead of one fsync and journal commit per file), so when the run returns its output is on disk, as before.</item>
/// </list>
/// </summary>
internal static class AtomicFile
{
    /// <summary>Read, write and execute for user, group and others; never set-user-ID, set-group-ID or sticky.</summary>
    private const UnixFileMode PermissionBits = (UnixFileMode)0x1FF;

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes) => Write(path, bytes, null);

    /// <summary>
    /// A copy that keeps the source's permission bits and modification time (as <c>cp -p</c>): a copied script or app host
    /// stays executable, and an unchanged file keeps the timestamp that incremental builds compare.
    /// </summary>
    public static void Copy(string source, string destination)
    {
        if (Path.GetFullPath(source) == Path.GetFullPath(destination))
        {
            return;
        }

        // Mode and time from the descriptor that is read: for a symbolic link, the file it points to (whose bytes are
        // copied), never the link's own 0777.
        using var stream = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        byte[] bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        var keep = (File.GetUnixFileMode(stream.SafeFileHandle) & PermissionBits, File.GetLastWriteTimeUtc(stream.SafeFileHandle));
        Write(destination, bytes, keep);
    }

    private static void Write(string path, ReadOnlySpan<byte> bytes, (UnixFileMode Mode, DateTime LastWriteUtc)? keep)
    {
        string temporary = TemporaryPathFor(path);
        bool replacing = File.Exists(path);
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: replacing);
            }

            if (keep is { } attributes)
            {
                File.SetUnixFileMode(temporary, attributes.Mode);
                File.SetLastWriteTimeUtc(temporary, attributes.LastWriteUtc);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>
    /// Flushes everything written to the file system that holds <paramref name="directory"/> (syncfs(2)); once per run.
    /// Falls back to fsync of the directory itself where syncfs is unavailable.
    /// </summary>
    public static void SyncFileSystem(string directory)
    {
        int fd = LibC.Open(directory, LibC.O_RDONLY | LibC.O_CLOEXEC);
        if (fd < 0)
        {
            return;
        }

        try
        {
            if (LibC.SyncFs(fd) != 0)
            {
                _ = LibC.FSync(fd);
            }
        }
        finally
        {
            _ = LibC.Close(fd);
        }
    }

    private static string TemporaryPathFor(string path)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        return Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.privsep-tmp");
    }
}

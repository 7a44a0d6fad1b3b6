using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using PrivSep.Rewriter.Interop;

namespace PrivSep.Rewriter.Manifest;

/// <summary>What an entry of a plugin folder is, judged without following it.</summary>
public enum FolderEntryKind
{
    RegularFile,
    SymbolicLink,

    /// <summary>A FIFO, socket or device: never opened (a FIFO would block the reader).</summary>
    Other,
}

/// <param name="File">The manifest path: relative, '/'-separated.</param>
public sealed record FolderEntry(string File, FolderEntryKind Kind);

/// <summary>
/// The files of a plugin folder as a verifier must see them: every entry, recursively, hidden ones included, judged by
/// lstat-like type (statx without following links), so a symbolic link is reported as a link and never walked or hashed
/// through. Hashes are taken only of regular files, opened without following a link at the last component and without
/// blocking, and checked to be regular on the descriptor that is read.
/// </summary>
public static class FolderEntries
{
    /// <summary>
    /// Every non-directory entry of the folder, recursively (directories are walked, not listed; a link to a directory is
    /// listed as a link and not walked), except the top-level manifest and signature; sorted ordinally by manifest path.
    /// </summary>
    /// <exception cref="IOException">A directory cannot be listed or an entry cannot be examined.</exception>
    public static IReadOnlyList<FolderEntry> List(string directory)
    {
        string root = Path.GetFullPath(directory);
        var entries = new List<FolderEntry>();
        var pending = new Stack<string>([root]);
        var options = new EnumerationOptions { AttributesToSkip = 0, IgnoreInaccessible = false, RecurseSubdirectories = false, ReturnSpecialDirectories = false };
        while (pending.TryPop(out string? current))
        {
            foreach (string path in Directory.EnumerateFileSystemEntries(current, "*", options))
            {
                string file = ManifestPaths.ToManifestPath(Path.GetRelativePath(root, path));
                if (file is ManifestPaths.ManifestFileName or ManifestPaths.SignatureFileName)
                {
                    continue; // only at the top level: a nested name has a '/' in it
                }

                switch (TypeOf(path))
                {
                    case LibC.S_IFDIR:
                        pending.Push(path);
                        break;
                    case LibC.S_IFREG:
                        entries.Add(new FolderEntry(file, FolderEntryKind.RegularFile));
                        break;
                    case LibC.S_IFLNK:
                        entries.Add(new FolderEntry(file, FolderEntryKind.SymbolicLink));
                        break;
                    default:
                        entries.Add(new FolderEntry(file, FolderEntryKind.Other));
                        break;
                }
            }
        }

        entries.Sort((a, b) => string.CompareOrdinal(a.File, b.File));
        return entries;
    }

    /// <summary>Lowercase hexadecimal SHA-256 of a regular file; a link (at the last component), FIFO, socket or device is refused, never read.</summary>
    /// <exception cref="IOException">The file is missing, not a regular file, or cannot be read.</exception>
    public static string Sha256OfRegularFile(string path)
    {
        int fd = LibC.Open(path, LibC.O_RDONLY | LibC.O_NOFOLLOW | LibC.O_NONBLOCK | LibC.O_CLOEXEC);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            string reason = errno == LibC.ELOOP ? "it is a symbolic link" : Marshal.GetPInvokeErrorMessage(errno);
            throw errno == LibC.ENOENT ? new FileNotFoundException($"{path}: {reason}", path) : new IOException($"{path}: {reason}");
        }

        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        if (TypeOf(handle) != LibC.S_IFREG)
        {
            throw new IOException($"{path}: not a regular file");
        }

        using var stream = new FileStream(handle, FileAccess.Read, bufferSize: 1);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static unsafe int TypeOf(string path)
    {
        LibC.Statx status;
        if (LibC.StatX(LibC.AT_FDCWD, path, LibC.AT_SYMLINK_NOFOLLOW, LibC.STATX_TYPE, &status) != 0)
        {
            throw new IOException($"{path}: cannot be examined: {Marshal.GetLastPInvokeErrorMessage()}");
        }

        return status.FileType;
    }

    private static unsafe int TypeOf(SafeFileHandle handle)
    {
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            LibC.Statx status;
            if (LibC.StatX((int)handle.DangerousGetHandle(), string.Empty, LibC.AT_EMPTY_PATH, LibC.STATX_TYPE, &status) != 0)
            {
                throw new IOException($"cannot examine an opened file: {Marshal.GetLastPInvokeErrorMessage()}");
            }

            return status.FileType;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }
}

using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;
using PrivSep.Broker.Interop;

namespace PrivSep.Broker.FileSystem;

/// <summary>Checked wrappers over <see cref="LibC"/>: each returns a result or throws <see cref="ErrnoException"/>, retrying EINTR.</summary>
internal static unsafe class Syscalls
{
    public static SafeFileHandle OpenAt2(SafeHandle? directory, string path, int flags, uint mode, ulong resolve)
    {
        var how = new LibC.OpenHow { Flags = (ulong)(flags | LibC.O_CLOEXEC), Mode = mode, Resolve = resolve };
        bool added = false;
        try
        {
            directory?.DangerousAddRef(ref added);
            int dirfd = directory is null ? LibC.AT_FDCWD : (int)directory.DangerousGetHandle();
            fixed (byte* p = ToCString(path))
            {
                while (true)
                {
                    int fd = LibC.OpenAt2(dirfd, p, &how);
                    if (fd >= 0)
                    {
                        return new SafeFileHandle(fd, ownsHandle: true);
                    }

                    int errno = Marshal.GetLastPInvokeError();
                    if (errno != LibC.EINTR)
                    {
                        throw new ErrnoException(errno, "openat2");
                    }
                }
            }
        }
        finally
        {
            if (added)
            {
                directory!.DangerousRelease();
            }
        }
    }

    public static LibC.Statx Stat(SafeHandle handle)
    {
        LibC.Statx result;
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            fixed (byte* empty = "\0"u8)
            {
                if (LibC.StatX((int)handle.DangerousGetHandle(), empty, LibC.AT_EMPTY_PATH, LibC.STATX_BASIC_STATS, &result) != 0)
                {
                    throw new ErrnoException(Marshal.GetLastPInvokeError(), "statx");
                }
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }

        return result;
    }

    /// <summary>The status of the object <paramref name="path"/> names now, links followed; null when nothing is there.</summary>
    public static LibC.Statx? StatPath(string path)
    {
        LibC.Statx result;
        fixed (byte* p = ToCString(path))
        {
            if (LibC.StatX(LibC.AT_FDCWD, p, 0, LibC.STATX_BASIC_STATS, &result) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                return errno is LibC.ENOENT or LibC.ENOTDIR ? null : throw new ErrnoException(errno, "statx");
            }
        }

        return result;
    }

    /// <summary>The status of <paramref name="name"/> inside <paramref name="directory"/>, not following a final symbolic link; null when it does not exist.</summary>
    public static LibC.Statx? StatEntry(SafeHandle directory, string name)
    {
        LibC.Statx result;
        bool added = false;
        try
        {
            directory.DangerousAddRef(ref added);
            fixed (byte* p = ToCString(name))
            {
                if (LibC.StatX((int)directory.DangerousGetHandle(), p, LibC.AT_SYMLINK_NOFOLLOW, LibC.STATX_BASIC_STATS, &result) != 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    return errno == LibC.ENOENT ? null : throw new ErrnoException(errno, "statx");
                }
            }
        }
        finally
        {
            if (added)
            {
                directory.DangerousRelease();
            }
        }

        return result;
    }

    /// <summary>The path of the object a descriptor refers to, read back from /proc/self/fd: what was actually opened.</summary>
    public static string ReadOpenedPath(SafeHandle handle)
    {
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            string link = $"/proc/self/fd/{handle.DangerousGetHandle()}";
            byte[] buffer = new byte[4097];
            fixed (byte* l = ToCString(link))
            fixed (byte* b = buffer)
            {
                nint length = LibC.ReadLink(l, b, (nuint)buffer.Length);
                if (length < 0)
                {
                    throw new ErrnoException(Marshal.GetLastPInvokeError(), "readlink");
                }

                if (length >= buffer.Length)
                {
                    throw new ErrnoException(LibC.ENAMETOOLONG, "readlink");
                }

                return Encoding.UTF8.GetString(buffer, 0, (int)length);
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    public static void UnlinkAt(SafeHandle directory, string name, bool removeDirectory) =>
        WithDirectory(directory, name, (dirfd, p) => LibC.UnlinkAt(dirfd, p, removeDirectory ? LibC.AT_REMOVEDIR : 0), "unlinkat");

    /// <returns>False when the directory already existed.</returns>
    public static bool MkdirAt(SafeHandle directory, string name, uint mode)
    {
        try
        {
            WithDirectory(directory, name, (dirfd, p) => LibC.MkdirAt(dirfd, p, mode), "mkdirat");
            return true;
        }
        catch (ErrnoException ex) when (ex.Errno == LibC.EEXIST)
        {
            return false;
        }
    }

    public static void RenameAt2(SafeHandle sourceDirectory, string sourceName, SafeHandle destinationDirectory, string destinationName, uint flags)
    {
        bool addedSource = false, addedDestination = false;
        try
        {
            sourceDirectory.DangerousAddRef(ref addedSource);
            destinationDirectory.DangerousAddRef(ref addedDestination);
            fixed (byte* s = ToCString(sourceName))
            fixed (byte* d = ToCString(destinationName))
            {
                if (LibC.RenameAt2((int)sourceDirectory.DangerousGetHandle(), s, (int)destinationDirectory.DangerousGetHandle(), d, flags) != 0)
                {
                    throw new ErrnoException(Marshal.GetLastPInvokeError(), "renameat2");
                }
            }
        }
        finally
        {
            if (addedSource)
            {
                sourceDirectory.DangerousRelease();
            }

            if (addedDestination)
            {
                destinationDirectory.DangerousRelease();
            }
        }
    }

    public static void Truncate(SafeFileHandle handle)
    {
        WithHandle(handle, fd => LibC.FTruncate(fd, 0), "ftruncate");
    }

    public static void SeekToEnd(SafeFileHandle handle)
    {
        WithHandle(handle, fd => LibC.LSeek(fd, 0, LibC.SEEK_END) < 0 ? -1 : 0, "lseek");
    }

    public static void Chown(string path, uint owner, uint group)
    {
        fixed (byte* p = ToCString(path))
        {
            if (LibC.Chown(p, owner, group) != 0)
            {
                throw new ErrnoException(Marshal.GetLastPInvokeError(), $"chown {path}");
            }
        }
    }

    private delegate int DirectoryCall(int dirfd, byte* path);

    private static void WithDirectory(SafeHandle directory, string name, DirectoryCall call, string operation)
    {
        bool added = false;
        try
        {
            directory.DangerousAddRef(ref added);
            fixed (byte* p = ToCString(name))
            {
                while (call((int)directory.DangerousGetHandle(), p) != 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno != LibC.EINTR)
                    {
                        throw new ErrnoException(errno, operation);
                    }
                }
            }
        }
        finally
        {
            if (added)
            {
                directory.DangerousRelease();
            }
        }
    }

    private static void WithHandle(SafeHandle handle, Func<int, int> call, string operation)
    {
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            while (call((int)handle.DangerousGetHandle()) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno != LibC.EINTR)
                {
                    throw new ErrnoException(errno, operation);
                }
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    private static byte[] ToCString(string text)
    {
        if (text.Contains('\0'))
        {
            throw new ErrnoException(LibC.EINVAL, "path contains NUL");
        }

        int length = Encoding.UTF8.GetByteCount(text);
        var bytes = new byte[length + 1];
        Encoding.UTF8.GetBytes(text, bytes);
        return bytes;
    }
}

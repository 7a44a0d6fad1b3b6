using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using PrivSep.Broker.Interop;

namespace PrivSep.Broker.Audit;

/// <summary>
/// The few Linux system calls the audit files need and the BCL does not expose:
/// <c>LibC.O_APPEND</c> (FileStream's Append mode only seeks to the end and then writes at its own
/// tracked offset), one unbuffered <c>write</c> per line, <c>ftruncate</c> to take back a
/// partial line, and an open-file-description lock so two brokers never fork one chain.
/// </summary>
internal static unsafe class AuditFileSyscalls
{
    /// <summary>Read-write, append-only; created 0600 if missing (the umask can only narrow it).</summary>
    public static SafeFileHandle OpenForAppend(string path) =>
        Open(path, LibC.O_RDWR | LibC.O_APPEND | LibC.O_CREAT | LibC.O_CLOEXEC, 0x180 /* 0600 */);

    /// <summary>Read-write at explicit offsets; null when the file does not exist.</summary>
    public static SafeFileHandle? OpenExistingForUpdate(string path)
    {
        int fd = LibC.Open(path, LibC.O_RDWR | LibC.O_CLOEXEC, 0);
        if (fd >= 0)
        {
            return new SafeFileHandle(fd, ownsHandle: true);
        }

        int errno = Marshal.GetLastPInvokeError();
        return errno == LibC.ENOENT ? null : throw Failure("open", path, errno);
    }

    /// <summary>Creates a new 0600 file, failing if one appeared meanwhile.</summary>
    public static SafeFileHandle CreateNew(string path) =>
        Open(path, LibC.O_RDWR | LibC.O_CREAT | LibC.O_EXCL | LibC.O_CLOEXEC, 0x180 /* 0600 */);

    /// <summary>
    /// Takes an exclusive lock tied to this open file description. Returns false when another
    /// descriptor (another broker, or this process opening the log twice) holds it. OFD locks
    /// are independent of <c>flock</c>, which .NET's FileShare uses, so readers such as
    /// <c>privsep audit verify</c> are never blocked.
    /// </summary>
    public static bool TryLockExclusive(SafeFileHandle file, string path)
    {
        var request = new LibC.FileLockRequest { Type = LibC.F_WRLCK, Whence = 0, Start = 0, Length = 0, Pid = 0 };
        while (LibC.Fcntl(file, LibC.F_OFD_SETLK, &request) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno == LibC.EINTR)
            {
                continue;
            }

            return errno is LibC.EAGAIN or LibC.EACCES ? false : throw Failure("lock", path, errno);
        }

        return true;
    }

    /// <summary>The file's current size (0 for a character device such as /dev/full).</summary>
    public static long Length(SafeFileHandle file, string path)
    {
        long end = LibC.LSeek(file, 0, LibC.SEEK_END);
        return end >= 0 ? end : throw Failure("seek", path, Marshal.GetLastPInvokeError());
    }

    /// <summary>
    /// Appends <paramref name="bytes"/> with as few <c>write</c> calls as the kernel allows
    /// (one, unless the disk fills mid-line). Returns the number of bytes that reached the file
    /// and the errno of the failure, or 0 when everything was written.
    /// </summary>
    public static (int Written, int Errno) Append(SafeFileHandle file, ReadOnlySpan<byte> bytes)
    {
        int written = 0;
        fixed (byte* start = bytes)
        {
            while (written < bytes.Length)
            {
                nint n = LibC.Write(file, start + written, (nuint)(bytes.Length - written));
                if (n > 0)
                {
                    written += (int)n;
                    continue;
                }

                int errno = n == 0 ? 0 : Marshal.GetLastPInvokeError();
                if (errno == LibC.EINTR)
                {
                    continue;
                }

                // n == 0 for a non-empty request means the file takes no more bytes.
                return (written, errno == 0 ? LibC.ENOSPC : errno);
            }
        }

        return (written, 0);
    }

    /// <summary>Writes all of <paramref name="bytes"/> at <paramref name="offset"/>.</summary>
    public static void WriteAt(SafeFileHandle file, ReadOnlySpan<byte> bytes, long offset, string path)
    {
        int written = 0;
        fixed (byte* start = bytes)
        {
            while (written < bytes.Length)
            {
                nint n = LibC.PWrite(file, start + written, (nuint)(bytes.Length - written), offset + written);
                if (n > 0)
                {
                    written += (int)n;
                    continue;
                }

                int errno = n == 0 ? LibC.ENOSPC : Marshal.GetLastPInvokeError();
                if (errno != LibC.EINTR)
                {
                    throw Failure("write", path, errno);
                }
            }
        }
    }

    /// <summary>Reads up to <paramref name="buffer"/>.Length bytes at <paramref name="offset"/>.</summary>
    public static int ReadAt(SafeFileHandle file, Span<byte> buffer, long offset, string path)
    {
        int read = 0;
        fixed (byte* start = buffer)
        {
            while (read < buffer.Length)
            {
                nint n = LibC.PRead(file, start + read, (nuint)(buffer.Length - read), offset + read);
                if (n == 0)
                {
                    break;
                }

                if (n < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == LibC.EINTR)
                    {
                        continue;
                    }

                    throw Failure("read", path, errno);
                }

                read += (int)n;
            }
        }

        return read;
    }

    /// <summary>Cuts the file to <paramref name="length"/> bytes; returns the errno, 0 on success.</summary>
    public static int Truncate(SafeFileHandle file, long length)
    {
        while (LibC.FTruncate(file, length) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno != LibC.EINTR)
            {
                return errno;
            }
        }

        return 0;
    }

    /// <summary>
    /// Allocates <paramref name="length"/> bytes from <paramref name="offset"/> without changing the size
    /// (<c>FALLOC_FL_KEEP_SIZE</c>); returns the errno, 0 on success.
    /// </summary>
    public static int Preallocate(SafeFileHandle file, long offset, long length) =>
        Fallocate(file, LibC.FALLOC_FL_KEEP_SIZE, offset, length);

    /// <summary>Frees blocks allocated beyond the end (best effort: the file's content is not affected either way).</summary>
    public static int ReleasePreallocated(SafeFileHandle file, long offset, long length) =>
        Fallocate(file, LibC.FALLOC_FL_KEEP_SIZE | LibC.FALLOC_FL_PUNCH_HOLE, offset, length);

    /// <summary>The file system (or a device such as /dev/full) cannot allocate ahead: no point asking again.</summary>
    public static bool MeansPreallocationUnsupported(int errno) =>
        errno is LibC.EOPNOTSUPP or LibC.ENODEV or LibC.ESPIPE or LibC.EINVAL;

    /// <summary>Asks the kernel to put the file on disk; errors are the caller's to ignore or not.</summary>
    public static int Sync(SafeFileHandle file) =>
        LibC.FSync(file) == 0 ? 0 : Marshal.GetLastPInvokeError();

    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    public static IOException Failure(string operation, string path, int errno) =>
        new($"{operation} {path}: {Describe(errno)} (errno {errno})");

    private static int Fallocate(SafeFileHandle file, int mode, long offset, long length)
    {
        while (LibC.FAllocate(file, mode, offset, length) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno != LibC.EINTR)
            {
                return errno;
            }
        }

        return 0;
    }

    private static SafeFileHandle Open(string path, int flags, int mode)
    {
        while (true)
        {
            int fd = LibC.Open(path, flags, mode);
            if (fd >= 0)
            {
                return new SafeFileHandle(fd, ownsHandle: true);
            }

            int errno = Marshal.GetLastPInvokeError();
            if (errno != LibC.EINTR)
            {
                throw Failure("open", path, errno);
            }
        }
    }
}

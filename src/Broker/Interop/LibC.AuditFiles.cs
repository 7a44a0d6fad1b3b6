using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace PrivSep.Broker.Interop;

/// <summary>The file calls the audit log needs (see Audit/AuditFileSyscalls.cs for the checked wrappers).</summary>
internal static unsafe partial class LibC
{
    /// <summary>Open-file-description locks: held per open file, so two brokers can never fork one audit chain.</summary>
    public const int F_OFD_SETLK = 37;
    public const short F_WRLCK = 1;

    /// <summary>fallocate: allocate (or punch) without changing the file's size, so appends land in owned blocks.</summary>
    public const int FALLOC_FL_KEEP_SIZE = 0x01;
    public const int FALLOC_FL_PUNCH_HOLE = 0x02;

    public const int ENODEV = 19;
    public const int ENOSPC = 28;
    public const int ESPIPE = 29;
    public const int EOPNOTSUPP = 95;

    /// <summary><c>struct flock</c> as Linux lays it out on 64-bit targets.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct FileLockRequest
    {
        public short Type;
        public short Whence;
        public long Start;
        public long Length;
        public int Pid;
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(SafeFileHandle fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "pwrite", SetLastError = true)]
    public static partial nint PWrite(SafeFileHandle fd, byte* buffer, nuint count, long offset);

    [LibraryImport("libc", EntryPoint = "pread", SetLastError = true)]
    public static partial nint PRead(SafeFileHandle fd, byte* buffer, nuint count, long offset);

    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    public static partial long LSeek(SafeFileHandle fd, long offset, int whence);

    [LibraryImport("libc", EntryPoint = "ftruncate", SetLastError = true)]
    public static partial int FTruncate(SafeFileHandle fd, long length);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    public static partial int FSync(SafeFileHandle fd);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    public static partial int Fcntl(SafeFileHandle fd, int command, FileLockRequest* request);

    [LibraryImport("libc", EntryPoint = "fallocate", SetLastError = true)]
    public static partial int FAllocate(SafeFileHandle fd, int mode, long offset, long length);

    [LibraryImport("libc", EntryPoint = "getegid")]
    public static partial uint GetEgid();
}

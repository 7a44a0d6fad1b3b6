using System.Runtime.InteropServices;

namespace PrivSep.Rewriter.Interop;

/// <summary>
/// The libc calls the rewriter and the manifest check need and .NET does not offer: flushing a whole file system once
/// (syncfs), and telling a regular file from a symbolic link, FIFO or device without following or opening it (statx,
/// open with O_NOFOLLOW | O_NONBLOCK). Callers check every result. No openat2: hosts run under systemd's
/// RestrictSUIDSGID=yes, whose seccomp filter refuses it.
/// </summary>
internal static unsafe partial class LibC
{
    public const int AT_FDCWD = -100;
    public const int AT_SYMLINK_NOFOLLOW = 0x100;
    public const int AT_EMPTY_PATH = 0x1000;

    public const int O_RDONLY = 0x0;
    public const int O_NONBLOCK = 0x800;
    public const int O_NOFOLLOW = 0x20000;
    public const int O_CLOEXEC = 0x80000; // the same values on x86-64 and arm64

    public const uint STATX_TYPE = 0x1;

    public const int S_IFMT = 0xF000;
    public const int S_IFREG = 0x8000;
    public const int S_IFDIR = 0x4000;
    public const int S_IFLNK = 0xA000;

    public const int ENOENT = 2;
    public const int ELOOP = 40;

    /// <summary>struct statx: 256 bytes with the same layout on every architecture; only the type bits of the mode are read.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 256)]
    public struct Statx
    {
        public uint Mask;
        public uint BlockSize;
        public ulong Attributes;
        public uint LinkCount;
        public uint Uid;
        public uint Gid;
        public ushort Mode;

        public readonly int FileType => Mode & S_IFMT;
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    public static partial int SyncFs(int fd);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    public static partial int FSync(int fd);

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int StatX(int dirfd, string path, int flags, uint mask, Statx* buffer);
}

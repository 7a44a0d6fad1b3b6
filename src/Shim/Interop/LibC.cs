using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace PrivSep.Shim.Interop;

/// <summary>
/// The few libc calls the Shim needs and .NET does not expose: <c>access(2)</c>, to tell "does not exist" from
/// "cannot look" where the BCL answers both with false (and to find executables as a PATH search does), and
/// <c>fstat(2)</c>, to recognise two descriptors of the same file. Every call's result is checked.
/// </summary>
internal static unsafe partial class LibC
{
    public const int F_OK = 0;
    public const int X_OK = 1;
    public const int R_OK = 4;

    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EACCES = 13;
    public const int ENOTDIR = 20;

    /// <summary>Large enough for <c>struct stat</c> on every LP64 Linux (144 bytes on x86-64, 128 on arm64).</summary>
    private const int StatBufferSize = 256;

    /// <summary>Runs <c>access(path, mode)</c>; returns 0 when allowed, otherwise the errno it failed with.</summary>
    public static int Access(string path, int mode)
    {
        int result = AccessCore(path, mode);
        return result == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    /// <summary>
    /// The (device, inode) pair of an open file. <c>st_dev</c> and <c>st_ino</c> are the first two 64-bit fields of
    /// <c>struct stat</c> on both x86-64 and the generic (arm64) layout, so only they are read.
    /// </summary>
    public static (ulong Device, ulong Inode) GetFileIdentity(SafeFileHandle handle)
    {
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            byte* buffer = stackalloc byte[StatBufferSize];
            if (FStat((int)handle.DangerousGetHandle(), buffer) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                throw new IOException($"fstat failed with errno {errno}.", errno);
            }

            return (*(ulong*)buffer, *(ulong*)(buffer + sizeof(ulong)));
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "access", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int AccessCore(string path, int mode);

    [LibraryImport("libc", EntryPoint = "fstat", SetLastError = true)]
    private static partial int FStat(int fd, byte* statBuffer);
}

using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using PrivSep.Broker.Interop;

namespace PrivSep.Broker.FileSystem;

/// <summary>
/// Opens objects so that the policy can be checked on what was opened, not on the string that was asked for:
/// first an O_PATH descriptor (opening a FIFO or device this way has no side effects), then its real path and
/// type, and only after the policy allowed it a reopen of that same object for data access.
/// </summary>
internal static class ObjectOpener
{
    /// <summary>Reads follow symbolic links (the resolved path is what gets checked) but never /proc magic links.</summary>
    public static OpenedObject OpenFollowing(string absolutePath, bool directory = false)
    {
        var handle = Syscalls.OpenAt2(null, absolutePath, LibC.O_PATH | (directory ? LibC.O_DIRECTORY : 0), 0, LibC.RESOLVE_NO_MAGICLINKS);
        return Describe(handle);
    }

    /// <summary>
    /// Opens the entry <paramref name="name"/> of an open directory as <see cref="OpenFollowing"/> does a path: links
    /// followed (never /proc magic links), so that the resolved path says where a listed link leads.
    /// </summary>
    public static OpenedObject OpenFollowingEntry(SafeHandle directory, string name) =>
        Describe(Syscalls.OpenAt2(directory, name, LibC.O_PATH, 0, LibC.RESOLVE_NO_MAGICLINKS));

    /// <summary>
    /// Opens <paramref name="relativePath"/> strictly beneath <paramref name="root"/>: no "..", no absolute
    /// path, no symbolic link at any step can leave it (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS).
    /// </summary>
    public static SafeFileHandle OpenBeneath(SafeHandle root, string relativePath, int flags, uint mode = 0) =>
        Syscalls.OpenAt2(root, relativePath.Length == 0 ? "." : relativePath, flags, mode, LibC.RESOLVE_BENEATH | LibC.RESOLVE_NO_SYMLINKS | LibC.RESOLVE_NO_MAGICLINKS);

    public static OpenedObject Describe(SafeFileHandle handle)
    {
        try
        {
            var status = Syscalls.Stat(handle);
            return new OpenedObject(handle, Syscalls.ReadOpenedPath(handle), status);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Turns the checked O_PATH descriptor into one that can read or write, through /proc/self/fd (the only way to
    /// reopen exactly that object), and proves the new descriptor is the same inode on the same device.
    /// </summary>
    public static SafeFileHandle Reopen(OpenedObject opened, int flags)
    {
        string magic = $"/proc/self/fd/{opened.Handle.DangerousGetHandle()}";
        var reopened = Syscalls.OpenAt2(null, magic, flags | LibC.O_NOCTTY, 0, 0);
        try
        {
            var status = Syscalls.Stat(reopened);
            if (!status.IsSameObject(opened.Status))
            {
                throw new ErrnoException(LibC.EXDEV, "reopen found a different object");
            }

            return reopened;
        }
        catch
        {
            reopened.Dispose();
            throw;
        }
    }
}

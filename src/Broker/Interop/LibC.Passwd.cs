using System.ComponentModel;
using System.Runtime.InteropServices;

namespace PrivSep.Broker.Interop;

/// <summary>
/// User database lookups through the C library, so that NSS sources (LDAP, SSSD, systemd-userdb)
/// resolve the way they do for the rest of the system. The reentrant <c>_r</c> forms are used
/// because the broker is multi-threaded and <c>getpwnam</c> returns a shared static buffer.
/// </summary>
internal static unsafe partial class LibC
{
    /// <summary>
    /// Looks a user up by name. False when the user does not exist; throws
    /// <see cref="Win32Exception"/> (errno and its text) when the lookup itself fails.
    /// </summary>
    internal static bool TryGetPasswdIds(string userName, out uint uid, out uint gid)
    {
        uid = 0;
        gid = 0;

        // The name is passed as a NUL-terminated string: an embedded NUL would silently look up a
        // different (shorter) name, so such a name cannot exist.
        if (userName.Length == 0 || userName.Contains('\0'))
        {
            return false;
        }

        for (var size = PasswdLookup.InitialBufferSize; ; size *= 2)
        {
            var buffer = new byte[size];
            PasswdEntry entry;
            PasswdEntry* result = null;
            int error;
            fixed (byte* bufferPointer = buffer)
            {
                error = getpwnam_r(userName, &entry, bufferPointer, (nuint)buffer.Length, &result);
            }

            if (error == PasswdLookup.ERANGE && size < PasswdLookup.MaxBufferSize)
            {
                continue;
            }

            if (error == 0)
            {
                if (result is null)
                {
                    return false;
                }

                uid = entry.pw_uid;
                gid = entry.pw_gid;
                return true;
            }

            // POSIX lets implementations report "no such user" as an error number too.
            if (error is PasswdLookup.ENOENT or PasswdLookup.ESRCH)
            {
                return false;
            }

            throw new Win32Exception(error, $"getpwnam_r(\"{userName}\") failed: {new Win32Exception(error).Message}");
        }
    }

    /// <summary>glibc's <c>struct passwd</c> (same layout on x86-64 and arm64).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct PasswdEntry
    {
        public nint pw_name;
        public nint pw_passwd;
        public uint pw_uid;
        public uint pw_gid;
        public nint pw_gecos;
        public nint pw_dir;
        public nint pw_shell;
    }

    // Returns 0 or an error number (it does not report through errno); result is NULL when the
    // user does not exist.
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int getpwnam_r(string name, PasswdEntry* pwd, byte* buf, nuint buflen, PasswdEntry** result);

    // Nested so that these names cannot clash with constants in the other parts of LibC.
    private static class PasswdLookup
    {
        public const int ENOENT = 2;
        public const int ESRCH = 3;
        public const int ERANGE = 34;

        // A passwd entry is small; the buffer grows on ERANGE up to a bound no real entry needs.
        public const int InitialBufferSize = 1024;
        public const int MaxBufferSize = 1024 * 1024;
    }
}

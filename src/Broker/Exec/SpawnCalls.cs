using System.ComponentModel;
using System.Runtime.InteropServices;

namespace PrivSep.Broker.Exec;

/// <summary>Result checks for the calls in Interop/LibC.Spawn.cs and Interop/LibC.Signals.cs.</summary>
internal static class SpawnCalls
{
    /// <summary>For calls that return -1 and set errno.</summary>
    public static void CheckErrno(int result, string call)
    {
        if (result == -1)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new Win32Exception(errno, $"{call} failed: {new Win32Exception(errno).Message}");
        }
    }

    /// <summary>For the posix_spawn family, which returns an error number (0 on success) and leaves errno alone.</summary>
    public static void CheckResult(int error, string call)
    {
        if (error != 0)
        {
            throw new Win32Exception(error, $"{call} failed: {new Win32Exception(error).Message}");
        }
    }
}

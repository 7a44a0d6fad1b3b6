using System.Runtime.InteropServices;

namespace PrivSep.Relay.Interop;

/// <summary>
/// The libc calls the relay needs and .NET does not expose: <c>prctl(PR_SET_PDEATHSIG)</c>, so that the relay dies with
/// the agent that started it; <c>getppid()</c>, to notice that the agent died before the request took effect; and plain
/// <c>read</c>/<c>write</c>, because FileStream writes a seekable descriptor with pwrite at an offset of its own and would
/// overwrite what others write through the same open file (an agent's stdout redirected to a log file).
/// Every call's result is checked.
/// </summary>
internal static unsafe partial class LibC
{
    public const int SIGKILL = 9;

    public const int EINTR = 4;
    public const int EAGAIN = 11;

    private const int PR_SET_PDEATHSIG = 1;

    /// <summary>Asks the kernel to send <paramref name="signal"/> to this process when the thread that created it ends.</summary>
    /// <exception cref="IOException">prctl failed; the message carries errno.</exception>
    public static void SetParentDeathSignal(int signal)
    {
        if (PrCtl(PR_SET_PDEATHSIG, (nuint)signal, 0, 0, 0) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new IOException($"prctl(PR_SET_PDEATHSIG) failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).");
        }
    }

    /// <summary>getppid(2) cannot fail.</summary>
    public static int GetParentProcessId() => GetPPid();

    /// <returns>Bytes read (0 at end of file), or -1 with errno in <see cref="Marshal.GetLastPInvokeError"/>.</returns>
    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buffer, nuint count);

    /// <returns>Bytes written, or -1 with errno in <see cref="Marshal.GetLastPInvokeError"/>.</returns>
    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "prctl", SetLastError = true)]
    private static partial int PrCtl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport("libc", EntryPoint = "getppid")]
    private static partial int GetPPid();
}

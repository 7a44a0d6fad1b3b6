using System.Runtime.InteropServices;

namespace PrivSep.Broker.Interop;

/// <summary>
/// The calls <see cref="PrivSep.Broker.Hosting.InheritedSignals"/> needs to undo a signal disposition or mask the
/// broker inherited across exec (glibc, Linux x86-64 layouts). Both return -1 and set errno; the caller checks.
/// </summary>
internal static unsafe partial class LibC
{
    public const nint SIG_DFL = 0;
    public const nint SIG_IGN = 1;

    public const int SIG_UNBLOCK = 1;

    /// <summary>glibc's <c>struct sigaction</c> on x86-64: the handler first, then a 128-byte mask, flags and restorer (152 bytes).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 152)]
    public struct SigAction
    {
        [FieldOffset(0)] public nint Handler;
    }

    /// <summary>sigaction(2); either pointer may be null (query only, or set without reading back).</summary>
    [LibraryImport("libc", EntryPoint = "sigaction", SetLastError = true)]
    public static partial int SigActionCall(int signal, SigAction* action, SigAction* previous);

    [LibraryImport("libc", EntryPoint = "sigaddset", SetLastError = true)]
    public static partial int SigAddSet(void* sigset, int signal);

    /// <summary>pthread_sigmask(3): returns an error number (0 on success) instead of setting errno.</summary>
    [LibraryImport("libc", EntryPoint = "pthread_sigmask")]
    public static partial int PthreadSigMask(int how, void* sigset, void* previous);
}

using System.Runtime.InteropServices;

namespace PrivSep.Broker.FileSystem;

/// <summary>A system call failed; carries errno so actions can map it to the right broker error.</summary>
internal sealed class ErrnoException(int errno, string operation)
    : IOException($"{operation}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})")
{
    public int Errno { get; } = errno;
}

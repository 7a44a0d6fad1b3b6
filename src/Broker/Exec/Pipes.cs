using Microsoft.Win32.SafeHandles;
using PrivSep.Broker.Interop;

namespace PrivSep.Broker.Exec;

/// <summary>The pipes between the broker, the commands it runs and its clients: always close-on-exec, never on 0–2.</summary>
internal static class Pipes
{
    public static unsafe (SafeFileHandle Read, SafeFileHandle Write) Create()
    {
        int* fds = stackalloc int[2];
        SpawnCalls.CheckErrno(LibC.Pipe2(fds, LibC.O_CLOEXEC), "pipe2");
        var read = AboveStdio(fds[0]);
        var write = AboveStdio(fds[1]);
        return (read, write);
    }

    /// <summary>
    /// Makes the broker's own end non-blocking. O_NONBLOCK belongs to the open file description, and each end of a
    /// pipe is a description of its own, so the other end (the command's or the client's) stays blocking.
    /// </summary>
    public static void MakeNonBlocking(SafeFileHandle end)
    {
        var fd = (int)end.DangerousGetHandle();
        var flags = LibC.Fcntl(fd, LibC.F_GETFL, 0);
        SpawnCalls.CheckErrno(flags, "fcntl(F_GETFL)");
        SpawnCalls.CheckErrno(LibC.Fcntl(fd, LibC.F_SETFL, flags | LibC.O_NONBLOCK), "fcntl(F_SETFL, O_NONBLOCK)");
    }

    /// <summary>
    /// Wraps a pipe end, moving it above 2 first: if the broker ran with 0, 1 or 2 closed, a pipe end could land on
    /// a descriptor that a later dup2 in the child overwrites before it is itself duplicated.
    /// </summary>
    private static SafeFileHandle AboveStdio(int fd)
    {
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        if (fd > 2)
        {
            return handle;
        }

        using (handle)
        {
            var moved = LibC.Fcntl(fd, LibC.F_DUPFD_CLOEXEC, 3);
            SpawnCalls.CheckErrno(moved, "fcntl(F_DUPFD_CLOEXEC)");
            return new SafeFileHandle(moved, ownsHandle: true);
        }
    }
}

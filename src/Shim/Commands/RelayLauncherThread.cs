using PrivSep.Protocol;

namespace PrivSep.Shim.Commands;

/// <summary>
/// Starts relays from one thread that lives as long as the process. The relay asks the kernel to kill it when its parent
/// dies (PR_SET_PDEATHSIG), and "parent" there means the thread that forked it: a relay started from a thread-pool
/// thread would be killed — and its command with it — when the pool retires that idle thread.
/// </summary>
internal static class RelayLauncherThread
{
    private static readonly ForkingThread Thread = new("PrivSep relay launcher");

    /// <summary>Runs <paramref name="start"/> on the launcher thread and returns its result, or throws its exception.</summary>
    public static T Run<T>(Func<T> start) => Thread.Run(start);

    /// <summary>The launcher thread's id, for tests that show where relays are started.</summary>
    internal static int ManagedThreadId => Thread.ManagedThreadId;
}

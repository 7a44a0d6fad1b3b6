using PrivSep.Protocol;

namespace PrivSep.Broker.Exec;

/// <summary>
/// The one thread every brokered command is spawned from; it lives as long as the broker process. Every command asks
/// the kernel for SIGKILL when its parent dies (PR_SET_PDEATHSIG, set by setpriv before the exec), and to the kernel
/// the parent is the thread that forked it: spawned from a thread-pool thread, a command would be killed when the
/// pool retires that idle thread; spawned from here, the signal means "the broker is gone".
/// </summary>
internal static class SpawnThread
{
    private static readonly ForkingThread Thread = new("PrivSep command spawner");

    /// <summary>Runs <paramref name="spawn"/> on the spawning thread and returns its result, or throws its exception.</summary>
    public static T Run<T>(Func<T> spawn) => Thread.Run(spawn);

    /// <summary>The spawning thread's managed id, for tests that check where commands are started.</summary>
    internal static int ManagedThreadId => Thread.ManagedThreadId;
}

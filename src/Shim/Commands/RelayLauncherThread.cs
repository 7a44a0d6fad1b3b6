using System.Collections.Concurrent;

namespace PrivSep.Shim.Commands;

/// <summary>
/// Starts relays from one thread that lives as long as the process. The relay asks the kernel to kill it when its parent
/// dies (PR_SET_PDEATHSIG), and "parent" there means the thread that forked it: a relay started from a thread-pool
/// thread would be killed — and its command with it — when the pool retires that idle thread.
/// </summary>
internal static class RelayLauncherThread
{
    private static readonly BlockingCollection<Action> Work = [];
    private static readonly Lazy<Thread> Thread = new(StartThread);

    /// <summary>Runs <paramref name="start"/> on the launcher thread and returns its result, or throws its exception.</summary>
    public static T Run<T>(Func<T> start)
    {
        _ = Thread.Value;
        var outcome = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Work.Add(() =>
        {
            try
            {
                outcome.SetResult(start());
            }
            catch (Exception ex)
            {
                outcome.SetException(ex);
            }
        });
        return outcome.Task.GetAwaiter().GetResult();
    }

    /// <summary>The launcher thread's id, for tests that show where relays are started.</summary>
    internal static int ManagedThreadId => Thread.Value.ManagedThreadId;

    private static Thread StartThread()
    {
        var thread = new Thread(() =>
        {
            foreach (var item in Work.GetConsumingEnumerable())
            {
                item();
            }
        })
        {
            // Never keeps the agent alive; it ends with the process, which is when its children should die.
            IsBackground = true,
            Name = "PrivSep relay launcher",
        };
        thread.Start();
        return thread;
    }
}

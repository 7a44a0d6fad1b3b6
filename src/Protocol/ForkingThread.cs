using System.Collections.Concurrent;

namespace PrivSep.Protocol;

/// <summary>
/// A thread that lives as long as the process, to start child processes from.
/// <para>
/// Why: a child that asks the kernel for a signal when its parent dies (PR_SET_PDEATHSIG) gets it when the
/// <em>thread</em> that forked it exits, not the process. A child started from a thread-pool thread would be killed
/// when the pool retires that idle thread. Started from this thread, the signal means "the process is gone".
/// </para>
/// </summary>
public sealed class ForkingThread
{
    private readonly BlockingCollection<Action> work = [];
    private readonly Lazy<Thread> thread;

    /// <param name="name">The thread's name, as debuggers and /proc show it.</param>
    public ForkingThread(string name)
    {
        this.thread = new Lazy<Thread>(() => this.StartThread(name));
    }

    /// <summary>The thread's managed id, for tests that check where children are started.</summary>
    public int ManagedThreadId => this.thread.Value.ManagedThreadId;

    /// <summary>Runs <paramref name="start"/> on the thread and returns its result, or throws its exception.</summary>
    public T Run<T>(Func<T> start)
    {
        ArgumentNullException.ThrowIfNull(start);
        _ = this.thread.Value;
        var outcome = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        this.work.Add(() =>
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

    private Thread StartThread(string name)
    {
        var started = new Thread(() =>
        {
            foreach (var item in this.work.GetConsumingEnumerable())
            {
                item();
            }
        })
        {
            // Never keeps the process alive; it ends with the process, which is when its children should die.
            IsBackground = true,
            Name = name,
        };
        started.Start();
        return started;
    }
}

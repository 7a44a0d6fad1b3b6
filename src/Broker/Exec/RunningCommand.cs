using System.ComponentModel;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using PrivSep.Broker.Interop;

namespace PrivSep.Broker.Exec;

/// <summary>
/// A command started by <see cref="CommandLauncher"/>: its pid, its process group (= its pid: it leads its own
/// session and group), the parent's ends of its stdio pipes, and its exit.
/// <para>
/// Reaping: a dedicated thread waits for this pid only (<c>waitid(P_PID, pid)</c>), never for any child, so the
/// .NET runtime's own <see cref="System.Diagnostics.Process"/> children are never stolen. It first waits with
/// <c>WNOWAIT</c>, leaving the exited leader a zombie: while it is unreaped its pid, hence the group id, cannot be
/// reused, so the launcher can still kill whatever the command left running in its group (background children)
/// without risking a signal to an unrelated group. Then it reaps. After that the group is empty (SIGKILL to a
/// group is atomic with respect to fork), and <see cref="KillGroup"/> does nothing.
/// </para>
/// </summary>
internal sealed class RunningCommand : IDisposable
{
    private readonly Lock gate = new();
    private readonly TaskCompletionSource<int> exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Timer? timeoutTimer;
    private bool reaped;
    private bool disposed;

    internal RunningCommand(int pid, int processGroupId, SafeFileHandle stdin, SafeFileHandle stdout, SafeFileHandle stderr, TimeSpan timeout)
    {
        Pid = pid;
        ProcessGroupId = processGroupId;
        Stdin = stdin;
        Stdout = stdout;
        Stderr = stderr;

        var waiter = new Thread(WaitForExit)
        {
            IsBackground = true,
            Name = $"privsep reaper {pid}",
        };
        waiter.Start();

        if (timeout != Timeout.InfiniteTimeSpan)
        {
            timeoutTimer = new Timer(_ => OnTimeout(), null, timeout, Timeout.InfiniteTimeSpan);
        }
    }

    public int Pid { get; }

    public int ProcessGroupId { get; }

    /// <summary>The write end of the child's stdin pipe (close-on-exec in the broker).</summary>
    public SafeFileHandle Stdin { get; }

    /// <summary>The read end of the child's stdout pipe.</summary>
    public SafeFileHandle Stdout { get; }

    /// <summary>The read end of the child's stderr pipe.</summary>
    public SafeFileHandle Stderr { get; }

    /// <summary>The exit code, or 128 + the signal number when a signal ended the command.</summary>
    public Task<int> Exited => exited.Task;

    /// <summary>True once the timeout has killed the group.</summary>
    public bool TimedOut { get; private set; }

    /// <summary>The signal that ended the command, 0 when it exited on its own; set before <see cref="Exited"/> completes.</summary>
    public int TerminatingSignal { get; private set; }

    /// <summary>
    /// Sends <paramref name="signal"/> to the whole process group. Does nothing once the command has been reaped (its
    /// group id may then belong to someone else).
    /// </summary>
    public void SignalGroup(int signal)
    {
        lock (gate)
        {
            if (!reaped)
            {
                SignalGroupLocked(signal);
            }
        }
    }

    /// <summary>
    /// SIGKILL to the whole process group (the command and everything it started). Idempotent; does nothing once
    /// the command has been reaped, since its group was emptied before the reap.
    /// </summary>
    public void KillGroup()
    {
        lock (gate)
        {
            if (reaped)
            {
                return;
            }

            KillGroupLocked();
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
        }

        timeoutTimer?.Dispose();
        KillGroup();

        // The reaper completes promptly after SIGKILL; wait for it so that no zombie is left behind.
        try
        {
            exited.Task.Wait();
        }
        catch (AggregateException)
        {
            // A failed wait was already reported through Exited.
        }

        Stdin.Dispose();
        Stdout.Dispose();
        Stderr.Dispose();
    }

    /// <summary>Caller holds <see cref="gate"/> and the leader is not yet reaped, so the group id is still ours.</summary>
    private void KillGroupLocked() => SignalGroupLocked(LibC.SIGKILL);

    private void SignalGroupLocked(int signal)
    {
        if (LibC.Kill(-ProcessGroupId, signal) == -1)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno != LibC.ESRCH)
            {
                throw new Win32Exception(errno, $"kill(-{ProcessGroupId}, {signal}) failed: {new Win32Exception(errno).Message}");
            }
        }
    }

    private void OnTimeout()
    {
        lock (gate)
        {
            if (reaped)
            {
                return;
            }

            TimedOut = true;
            try
            {
                KillGroupLocked();
            }
            catch (Win32Exception)
            {
                // A timer callback must not throw (it would end the broker). Killing our own group as root fails
                // only with ESRCH, which SignalGroup already accepts; the Dispose path retries and reports.
            }
        }
    }

    private unsafe void WaitForExit()
    {
        try
        {
            LibC.ChildSigInfo info;

            // Wait for the exit without reaping.
            while (LibC.WaitId(LibC.P_PID, Pid, &info, LibC.WEXITED | LibC.WNOWAIT) == -1)
            {
                ThrowUnlessInterrupted("waitid(WNOWAIT)");
            }

            lock (gate)
            {
                // Kill what the command left in its group while the zombie leader still pins the group id. A failure
                // here must not prevent the reap below (which would leave a zombie); root cannot fail other than ESRCH.
                try
                {
                    KillGroupLocked();
                }
                catch (Win32Exception)
                {
                }

                while (LibC.WaitId(LibC.P_PID, Pid, &info, LibC.WEXITED) == -1)
                {
                    ThrowUnlessInterrupted("waitid");
                }

                reaped = true;
            }

            timeoutTimer?.Dispose();
            TerminatingSignal = info.Code == LibC.CLD_EXITED ? 0 : info.Status;
            exited.TrySetResult(info.Code == LibC.CLD_EXITED ? info.Status : 128 + info.Status);
        }
        catch (Exception ex)
        {
            lock (gate)
            {
                reaped = true;
            }

            exited.TrySetException(ex);
        }
    }

    private static void ThrowUnlessInterrupted(string call)
    {
        var errno = Marshal.GetLastPInvokeError();
        if (errno != LibC.EINTR)
        {
            throw new Win32Exception(errno, $"{call} failed: {new Win32Exception(errno).Message}");
        }
    }
}

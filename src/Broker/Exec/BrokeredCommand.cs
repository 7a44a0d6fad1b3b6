using System.Diagnostics;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Broker.Exec;

/// <summary>
/// A command the broker runs for one connection, as it sits in that connection's handle table: the process, the
/// relay of its stdio and, once both are done, its end. Closing the handle or the connection (the handle table
/// disposes it) kills the whole process group; the end is recorded exactly once, whichever way it came, and never
/// before the start's own audit line (see <see cref="OnStartAudited"/>).
/// </summary>
internal sealed class BrokeredCommand : IDisposable
{
    private readonly RunningCommand command;
    private readonly CommandRelay relay;
    private readonly Action<ExecWaitResponse, string> recordEnd;
    private readonly Action onEnded;
    private readonly long started = Stopwatch.GetTimestamp();
    private readonly Lock gate = new();
    private readonly TaskCompletionSource<bool> startAudited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string? endCause;
    private bool disposed;

    /// <param name="recordEnd">Writes the end to the audit log: the result and why it ended (exit, timeout, output limit, kill, disconnect).</param>
    /// <param name="maxOutputBytes">The spec's cap on stdout and stderr together, which the relay enforces.</param>
    /// <param name="onEnded">
    /// Frees what the command held beyond its process (its running-command slot, its audit room), exactly once, before
    /// <see cref="Completion"/> completes: a client told the command ended may start the next one at once.
    /// </param>
    public BrokeredCommand(RunningCommand command, long maxOutputBytes, Action<ExecWaitResponse, string> recordEnd, Action onEnded, out CommandRelay.ClientEnds clientEnds)
    {
        this.command = command;
        this.recordEnd = recordEnd;
        this.onEnded = onEnded;
        this.relay = CommandRelay.Start(command, maxOutputBytes, () => this.Kill("output limit"), out clientEnds);
        _ = command.Exited.ContinueWith(_ => this.relay.OnCommandExited(), TaskScheduler.Default);
        this.Completion = this.CompleteAsync();
    }

    public int Pid => this.command.Pid;

    /// <summary>The end, once the command was reaped and its output relayed.</summary>
    public Task<ExecWaitResponse> Completion { get; }

    /// <summary>
    /// The pipeline wrote the start's audit line (<paramref name="recorded"/>), or could not and refused the start. The
    /// end waits for this, so a short command's exec.exit never precedes its exec.start, and a start that was refused
    /// (its command killed) leaves no exit line for a start the log does not have.
    /// </summary>
    public void OnStartAudited(bool recorded) => this.startAudited.TrySetResult(recorded);

    /// <summary>Forwards a signal to the command's whole group (the client's relay got it from the plugin or the host).</summary>
    public void Signal(int signal)
    {
        if (signal == Interop.LibC.SIGKILL)
        {
            this.Kill("killed by the client");
            return;
        }

        this.command.SignalGroup(signal);
    }

    /// <summary>
    /// Handle closed or connection gone: the group is killed and the relay told to stop. It does not wait for the
    /// reap: the caller is a disconnect or the idle sweeper, and a process in uninterruptible sleep (a tool stuck on a
    /// failing disk) ignores SIGKILL until its I/O returns. <see cref="CompleteAsync"/> finishes the rest.
    /// </summary>
    public void Dispose()
    {
        lock (this.gate)
        {
            if (this.disposed)
            {
                return;
            }

            this.disposed = true;
            this.endCause ??= "handle closed or client disconnected";
        }

        try
        {
            this.command.KillGroup();
        }
        finally
        {
            this.relay.Stop();
        }
    }

    private void Kill(string cause)
    {
        lock (this.gate)
        {
            this.endCause ??= cause;
        }

        this.command.KillGroup();
    }

    private async Task<ExecWaitResponse> CompleteAsync()
    {
        try
        {
            return await this.EndAsync().ConfigureAwait(false);
        }
        finally
        {
            this.onEnded();
        }
    }

    private async Task<ExecWaitResponse> EndAsync()
    {
        int exitCode;
        try
        {
            exitCode = await this.command.Exited.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The reaper could not wait for the child: nothing is known about its end, but the relay must still stop.
            BrokerLog.Error($"could not wait for command {this.command.Pid}: {ex.Message}");
            exitCode = 128 + Interop.LibC.SIGKILL;
            this.relay.Stop();
        }

        var totals = await this.relay.Completed.ConfigureAwait(false);

        // Only now: the relay's thread has closed the pipe ends it polled, so no descriptor number it used can be reused
        // by another open while it still might read or write it. The command is reaped, so this does not block.
        this.command.Dispose();

        var signal = this.command.TerminatingSignal;
        var result = new ExecWaitResponse(
            Exited: true,
            ExitCode: exitCode,
            Signal: signal,
            TimedOut: this.command.TimedOut,
            OutputLimitReached: totals.OutputLimitReached,
            StdoutBytes: totals.StdoutBytes,
            StderrBytes: totals.StderrBytes,
            DurationMilliseconds: (long)Stopwatch.GetElapsedTime(this.started).TotalMilliseconds);

        string cause;
        lock (this.gate)
        {
            cause = this.command.TimedOut ? "timeout" : this.endCause ?? (signal == 0 ? "exited" : "ended by a signal");
        }

        if (totals.UndeliveredBytes > 0)
        {
            cause += $"; {totals.UndeliveredBytes} bytes of output not delivered (the client closed its end, or did not read them within {CommandRelay.DrainLimit.TotalSeconds:0} s of the end)";
        }

        if (!await this.startAudited.Task.ConfigureAwait(false))
        {
            BrokerLog.Warning($"command {this.command.Pid} ended ({cause}); its start could not be audited, so it was refused and killed");
            return result;
        }

        try
        {
            this.recordEnd(result, cause);
        }
        catch (Exception ex)
        {
            BrokerLog.Error($"could not record the end of command {this.command.Pid}: {ex.Message}");
        }

        return result;
    }
}

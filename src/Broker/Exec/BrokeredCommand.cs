using System.Diagnostics;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Broker.Exec;

/// <summary>
/// A command the broker runs for one connection, as it sits in that connection's handle table: the process, the
/// relay of its stdio and, once both are done, its end. Closing the handle or the connection (the handle table
/// disposes it) kills the whole process group; the end is recorded exactly once, whichever way it came.
/// </summary>
internal sealed class BrokeredCommand : IDisposable
{
    private readonly RunningCommand command;
    private readonly CommandRelay relay;
    private readonly Action<ExecWaitResponse, string> recordEnd;
    private readonly long started = Stopwatch.GetTimestamp();
    private readonly Lock gate = new();
    private string? endCause;
    private bool disposed;

    /// <param name="recordEnd">Writes the end to the audit log: the result and why it ended (exit, timeout, output limit, kill, disconnect).</param>
    public BrokeredCommand(RunningCommand command, long maxOutputBytes, Action<ExecWaitResponse, string> recordEnd, out CommandRelay.ClientEnds clientEnds)
    {
        this.command = command;
        this.recordEnd = recordEnd;
        this.relay = CommandRelay.Start(command, maxOutputBytes, () => this.Kill("output limit"), out clientEnds);
        _ = command.Exited.ContinueWith(_ => this.relay.OnCommandExited(), TaskScheduler.Default);
        this.Completion = this.CompleteAsync();
    }

    public int Pid => this.command.Pid;

    /// <summary>The end, once the command was reaped and its output relayed.</summary>
    public Task<ExecWaitResponse> Completion { get; }

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

    /// <summary>Handle closed or connection gone: the group is killed, reaped, and the end recorded before this returns.</summary>
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

        // Kill, then stop the relay (its thread is gone when Dispose returns), and only then close the command's pipe
        // ends: closed while the relay still polled them, their numbers could be reused by another open in the broker.
        try
        {
            this.command.KillGroup();
        }
        finally
        {
            this.relay.Dispose();
            this.command.Dispose();
        }

        try
        {
            this.Completion.Wait();
        }
        catch (AggregateException)
        {
            // Already logged by CompleteAsync.
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
        }

        var totals = await this.relay.Completed.ConfigureAwait(false);
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

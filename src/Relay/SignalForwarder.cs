using System.Runtime.InteropServices;

namespace PrivSep.Relay;

/// <summary>
/// Passes the signals that ask a command to end (SIGTERM, SIGINT, SIGHUP, SIGQUIT) on to the brokered command's
/// process group instead of ending the relay: the plugin, a terminal or a service manager signalling the relay means
/// the command. The relay then ends when the command does, with its exit code. SIGKILL cannot be caught; it ends the
/// relay, whose connection closing makes the broker kill the command.
/// </summary>
/// <remarks>
/// The forwarder is registered before exec.start is sent, so once the command exists every signal is caught: a signal
/// that arrives while the start is in flight is held and forwarded as soon as the command has a handle (as a local
/// child would get a signal sent right after its fork). Once the command's end is known there is nothing left to
/// forward to: signals are then taken and dropped, as a signal to a local child that has exited changes nothing.
/// </remarks>
internal sealed class SignalForwarder : IDisposable
{
    /// <summary>PosixSignal values are .NET's own abstractions; the broker takes Linux signal numbers.</summary>
    private static readonly (PosixSignal Signal, int Number, string Name)[] Forwarded =
    [
        (PosixSignal.SIGHUP, 1, "SIGHUP"),
        (PosixSignal.SIGINT, 2, "SIGINT"),
        (PosixSignal.SIGQUIT, 3, "SIGQUIT"),
        (PosixSignal.SIGTERM, 15, "SIGTERM"),
    ];

    /// <summary>
    /// How long a refused signal waits for the command's end before it is reported. The broker frees a command's handle
    /// when it answers the final exec.wait, so a signal that crossed that answer is refused ("no command has handle")
    /// while the answer is still on its way; only a refusal with no end following it is worth a note.
    /// </summary>
    private static readonly TimeSpan EndGrace = TimeSpan.FromSeconds(2);

    private readonly Lock gate = new();
    private readonly List<PosixSignalRegistration> registrations = [];
    private readonly List<(int Number, string Name)> held = [];
    private readonly TaskCompletionSource ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private BrokeredCommand? command;

    /// <summary>A forwarder that catches no signal itself: <see cref="Receive"/> is how signals reach it (tests).</summary>
    internal SignalForwarder()
    {
    }

    /// <summary>Catches the forwarded signals from now on; call before the command is started.</summary>
    public static SignalForwarder Register()
    {
        var forwarder = new SignalForwarder();
        foreach (var (signal, number, name) in Forwarded)
        {
            forwarder.registrations.Add(PosixSignalRegistration.Create(signal, context =>
            {
                context.Cancel = true;
                _ = forwarder.Receive(number, name);
            }));
        }

        return forwarder;
    }

    /// <summary>The command has started: signals held until now, and all later ones, go to it.</summary>
    /// <returns>The forwarding of the held signals, as <see cref="Receive"/>'s.</returns>
    public Task ForwardTo(BrokeredCommand started)
    {
        (int Number, string Name)[] early;
        lock (this.gate)
        {
            this.command = started;
            early = [.. this.held];
            this.held.Clear();
        }

        return Task.WhenAll(early.Select(signal => this.ForwardAsync(started, signal.Number, signal.Name)));
    }

    /// <summary>The final exec.wait has answered: the broker has freed the command's handle, so nothing is forwarded any more.</summary>
    public void CommandEnded() => this.ended.TrySetResult();

    public void Dispose()
    {
        foreach (var registration in this.registrations)
        {
            registration.Dispose();
        }
    }

    /// <summary>Signal <paramref name="number"/> reached the relay.</summary>
    /// <returns>The forwarding, done once it is sent and answered (or its failure reported); never faults.</returns>
    internal Task Receive(int number, string name)
    {
        BrokeredCommand? target;
        lock (this.gate)
        {
            if (this.ended.Task.IsCompleted)
            {
                return Task.CompletedTask;
            }

            target = this.command;
            if (target is null)
            {
                this.held.Add((number, name));
                return Task.CompletedTask;
            }
        }

        return this.ForwardAsync(target, number, name);
    }

    private async Task ForwardAsync(BrokeredCommand target, int number, string name)
    {
        try
        {
            await target.SignalAsync(number, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // A signal that crossed the command's end needs no word; the wait loop reports a lost connection, and the
            // relay has usually exited before the grace is over.
            if (await Task.WhenAny(this.ended.Task, Task.Delay(EndGrace)).ConfigureAwait(false) != this.ended.Task)
            {
                RelayConsole.Error($"could not forward {name} to the command: {ex.Message}");
            }
        }
    }
}

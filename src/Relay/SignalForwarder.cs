using System.Runtime.InteropServices;

namespace PrivSep.Relay;

/// <summary>
/// Passes the signals that ask a command to end (SIGTERM, SIGINT, SIGHUP, SIGQUIT) on to the brokered command's
/// process group instead of ending the relay: the plugin, a terminal or a service manager signalling the relay means
/// the command. The relay then ends when the command does, with its exit code. SIGKILL cannot be caught; it ends the
/// relay, whose connection closing makes the broker kill the command.
/// </summary>
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

    private readonly List<PosixSignalRegistration> registrations = [];

    public SignalForwarder(BrokeredCommand command)
    {
        foreach (var (signal, number, name) in Forwarded)
        {
            this.registrations.Add(PosixSignalRegistration.Create(signal, context =>
            {
                context.Cancel = true;
                _ = ForwardAsync(command, number, name);
            }));
        }
    }

    public void Dispose()
    {
        foreach (var registration in this.registrations)
        {
            registration.Dispose();
        }
    }

    private static async Task ForwardAsync(BrokeredCommand command, int number, string name)
    {
        try
        {
            await command.SignalAsync(number, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The wait loop reports a lost connection; a refused signal (the command already ended) needs no more than a note.
            RelayConsole.Error($"could not forward {name} to the command: {ex.Message}");
        }
    }
}

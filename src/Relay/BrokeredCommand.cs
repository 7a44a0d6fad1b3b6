using Microsoft.Win32.SafeHandles;
using PrivSep.Protocol;
using PrivSep.Protocol.Contracts;
using StreamJsonRpc;

namespace PrivSep.Relay;

/// <summary>
/// A command the broker runs for this relay: its handle on the relay's connection and the client ends of its three
/// pipes. The command lives as long as the connection: if the relay dies, the broker kills the command's process group.
/// </summary>
internal sealed class BrokeredCommand
{
    private readonly BrokerChannel channel;
    private readonly long handle;

    private BrokeredCommand(BrokerChannel channel, ExecStartResponse started, SafeFileHandle stdin, SafeFileHandle stdout, SafeFileHandle stderr)
    {
        this.channel = channel;
        this.handle = started.Handle;
        this.Pid = started.Pid;
        this.Stdin = stdin;
        this.Stdout = stdout;
        this.Stderr = stderr;
    }

    /// <summary>The command's pid in the broker's (the host's) pid namespace.</summary>
    public int Pid { get; }

    /// <summary>Write end of the command's stdin; closing it is the command's end of input.</summary>
    public SafeFileHandle Stdin { get; }

    /// <summary>Read end of the command's stdout, at EOF once the command ended and its output was relayed.</summary>
    public SafeFileHandle Stdout { get; }

    public SafeFileHandle Stderr { get; }

    /// <exception cref="RelayFailure">126 when the broker refused or could not start the command; 125 when the connection failed.</exception>
    public static async Task<BrokeredCommand> StartAsync(BrokerChannel channel, RelayCommandLine command, CancellationToken cancellationToken)
    {
        var request = new ExecRequest(command.Path, command.Arguments, command.Plugin);
        ExecStartResponse started;
        try
        {
            started = await channel.Service.StartCommandAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (RemoteInvocationException ex)
        {
            throw new RelayFailure(RelayExitCodes.CommandRefused, $"the PrivSep broker refused to run '{command.Path}': {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is ConnectionLostException or ObjectDisposedException or IOException)
        {
            throw ConnectionLost(ex);
        }

        // Take all three before anything can fail, so none is left unclaimed on the connection.
        var received = channel.Stream.Received;
        var stdin = received.Take(started.StdinDescriptor);
        var stdout = received.Take(started.StdoutDescriptor);
        var stderr = received.Take(started.StderrDescriptor);
        return new BrokeredCommand(channel, started, stdin, stdout, stderr);
    }

    /// <summary>Asks the broker until the command has exited and its output was relayed to the end.</summary>
    public async Task<ExecWaitResponse> WaitForExitAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            ExecWaitResponse answer;
            try
            {
                answer = await this.channel.Service.WaitCommandAsync(new ExecWaitRequest(this.handle, ExecLimits.MaxWaitMilliseconds), cancellationToken).ConfigureAwait(false);
            }
            catch (RemoteInvocationException ex)
            {
                throw new RelayFailure(RelayExitCodes.RelayFailed, $"the PrivSep broker could not tell how the command ended: {ex.Message}", ex);
            }
            catch (Exception ex) when (ex is ConnectionLostException or ObjectDisposedException or IOException)
            {
                throw ConnectionLost(ex);
            }

            if (answer.Exited)
            {
                return answer;
            }
        }
    }

    /// <summary>Sends one of <see cref="ExecLimits.ForwardableSignals"/> to the command's process group.</summary>
    public Task SignalAsync(int signal, CancellationToken cancellationToken) =>
        this.channel.Service.SignalCommandAsync(new ExecSignalRequest(this.handle, signal), cancellationToken);

    private static RelayFailure ConnectionLost(Exception ex) =>
        new(RelayExitCodes.RelayFailed, $"the connection to the PrivSep broker was lost ({ex.Message}); the broker ends a command whose connection closes. Check the broker's log.", ex);
}

using Microsoft.Win32.SafeHandles;
using PrivSep.Protocol.Contracts;
using PrivSep.Relay.Rpc;

namespace PrivSep.Relay;

/// <summary>
/// A command the broker runs for this relay: its handle on the relay's connection and the client ends of its three
/// pipes. The command lives as long as the connection: if the relay dies, the broker kills the command's process group.
/// </summary>
internal sealed class BrokeredCommand
{
    private readonly BrokerRpcClient broker;
    private readonly long handle;

    private BrokeredCommand(BrokerRpcClient broker, ExecStartResponse started, SafeFileHandle stdin, SafeFileHandle stdout, SafeFileHandle stderr)
    {
        this.broker = broker;
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

    /// <summary>The JSON of the exec.start request for <paramref name="command"/>, written apart from sending it (see <see cref="CommandRelay"/>).</summary>
    public static byte[] StartRequest(RelayCommandLine command) => ExecJson.Encode(new ExecRequest(command.Path, command.Arguments, command.Plugin));

    /// <param name="request">The command's <see cref="StartRequest"/>.</param>
    /// <exception cref="RelayFailure">126 when the broker refused or could not start the command; 125 when the connection failed.</exception>
    public static async Task<BrokeredCommand> StartAsync(BrokerRpcClient broker, RelayCommandLine command, byte[] request, CancellationToken cancellationToken)
    {
        ExecStartResponse started;
        try
        {
            started = await broker.CallAsync(BrokerMethods.StartCommand, request, ExecJson.ReadStarted, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcErrorException ex)
        {
            throw new RelayFailure(RelayExitCodes.CommandRefused, $"the PrivSep broker refused to run '{command.Path}': {ex.Message}", ex);
        }
        catch (IOException ex)
        {
            throw ConnectionFailed(ex);
        }

        // Take all three before anything can fail, so none is left unclaimed on the connection.
        var received = broker.Received;
        var stdin = received.Take(started.StdinDescriptor);
        var stdout = received.Take(started.StdoutDescriptor);
        var stderr = received.Take(started.StderrDescriptor);
        return new BrokeredCommand(broker, started, stdin, stdout, stderr);
    }

    /// <summary>Asks the broker until the command has exited and its output was relayed to the end.</summary>
    public async Task<ExecWaitResponse> WaitForExitAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            ExecWaitResponse answer;
            try
            {
                var request = ExecJson.Encode(new ExecWaitRequest(this.handle, ExecLimits.MaxWaitMilliseconds));
                answer = await this.broker.CallAsync(BrokerMethods.WaitCommand, request, ExecJson.ReadEnded, cancellationToken).ConfigureAwait(false);
            }
            catch (RpcErrorException ex)
            {
                throw new RelayFailure(RelayExitCodes.RelayFailed, $"the PrivSep broker could not tell how the command ended: {ex.Message}", ex);
            }
            catch (IOException ex)
            {
                throw ConnectionFailed(ex);
            }

            if (answer.Exited)
            {
                return answer;
            }
        }
    }

    /// <summary>Sends one of <see cref="ExecLimits.ForwardableSignals"/> to the command's process group.</summary>
    /// <remarks>The broker answers with a null result; any result will do.</remarks>
    public Task SignalAsync(int signal, CancellationToken cancellationToken)
    {
        var request = ExecJson.Encode(new ExecSignalRequest(this.handle, signal));
        return this.broker.CallAsync(BrokerMethods.SignalCommand, request, static _ => true, cancellationToken);
    }

    private static RelayFailure ConnectionFailed(IOException ex) => ex is RpcProtocolException
        ? new(RelayExitCodes.RelayFailed, $"the PrivSep broker's answer broke the protocol: {ex.Message}; the relay gives up, and the broker ends a command whose connection closes. Check that broker and relay are the same version.", ex)
        : new(RelayExitCodes.RelayFailed, $"the connection to the PrivSep broker was lost ({ex.Message}); the broker ends a command whose connection closes. Check the broker's log.", ex);
}

using PrivSep.Protocol.Contracts;

namespace PrivSep.Relay;

/// <summary>
/// The relay's run: the command is started in the broker, the relay's stdin goes to the command (with <c>--stdin</c>
/// only), the command's stdout and stderr come out of the relay's, signals are forwarded, and the relay ends with the
/// command's exit code once the command has exited and its output has been relayed to the end.
/// </summary>
internal static class CommandRelay
{
    public static async Task<int> RunAsync(RelayCommandLine commandLine, CancellationToken cancellationToken)
    {
        // Writing the request is the process's first use of System.Text.Json, ~10 ms of start-up work; on another core
        // while the connection is made (~20 ms, mostly start-up work too), it is off the way to the command's start.
        var request = Task.Run(() => BrokeredCommand.StartRequest(commandLine), cancellationToken);

        // Caught before exec.start is sent: once the broker has started the command (a child in its process tree, an
        // exec.start line in its audit log), a signal to the relay reaches the command; none can end the relay instead.
        using var signals = SignalForwarder.Register();
        using var broker = await BrokerConnection.OpenAsync(cancellationToken).ConfigureAwait(false);
        var command = await BrokeredCommand.StartAsync(broker, commandLine, await request.ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        _ = signals.ForwardTo(command); // never faults; nothing waits for a signal to be answered

        // The pipe ends are the relay's; each pump closes its command-side end when it is done. The relay's own stdio
        // are borrowed: read and written, never closed.
        var commandStdin = new DescriptorStream(command.Stdin, "the command's stdin");
        var commandStdout = new DescriptorStream(command.Stdout, "the command's stdout");
        var commandStderr = new DescriptorStream(command.Stderr, "the command's stderr");

        if (commandLine.RelaysStdin)
        {
            // Never awaited: the relay's stdin may stay open after the command ended (a plugin that never closes it),
            // and a blocked read must not keep the relay alive; the runtime does not wait for it at exit.
            _ = StdioPump.Start(DescriptorStream.Borrowed(0, "stdin"), commandStdin, commandEnd: commandStdin);
        }
        else
        {
            // The plugin did not redirect stdin, so the relay's is the agent's own: reading it would take input that is
            // the agent's (a local child that does not read its stdin leaves it alone). The command's input ends at once.
            commandStdin.Dispose();
        }

        var stdout = StdioPump.Start(commandStdout, DescriptorStream.Borrowed(1, "stdout"), commandEnd: commandStdout);
        var stderr = StdioPump.Start(commandStderr, DescriptorStream.Borrowed(2, "stderr"), commandEnd: commandStderr);

        var end = await command.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        signals.CommandEnded();
        await Task.WhenAll(stdout, stderr).ConfigureAwait(false);
        ReportLimits(end);
        return end.ExitCode;
    }

    private static void ReportLimits(ExecWaitResponse end)
    {
        if (end.TimedOut)
        {
            RelayConsole.Error($"the command ran longer than its policy rule allows and was killed after {end.DurationMilliseconds} ms.");
        }

        if (end.OutputLimitReached)
        {
            RelayConsole.Error($"the command's output reached its policy rule's limit and was cut ({end.StdoutBytes} bytes on stdout, {end.StderrBytes} on stderr).");
        }
    }
}

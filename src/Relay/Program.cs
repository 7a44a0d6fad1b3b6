using PrivSep.Relay;

// privsep-relay: the process a plugin holds a System.Diagnostics.Process for when the broker runs its command.
// See RelayCommandLine.Usage and README.md ("Brokered commands").
try
{
    // First of all: if the agent dies from here on, so does the relay (and with it the command).
    ParentGuard.Engage();
    var commandLine = RelayCommandLine.Parse(args);
    if (commandLine.HelpRequested)
    {
        Console.Out.Write(RelayCommandLine.Usage + Environment.NewLine);
        return RelayExitCodes.Help;
    }

    return await CommandRelay.RunAsync(commandLine, CancellationToken.None);
}
catch (RelayFailure failure)
{
    RelayConsole.Error(failure.Message);
    return failure.ExitCode;
}
catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
{
    // Anything else the relay hits on its own (a descriptor that did not arrive, prctl refused) is the relay failing.
    RelayConsole.Error(ex.Message);
    return RelayExitCodes.RelayFailed;
}

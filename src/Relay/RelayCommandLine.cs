namespace PrivSep.Relay;

/// <summary>
/// <c>privsep-relay [--plugin NAME] -- PATH [ARG...]</c>. Everything after <c>--</c> is the command, taken verbatim,
/// so an argument of the command can never be mistaken for an option of the relay.
/// </summary>
internal sealed record RelayCommandLine(string Path, IReadOnlyList<string> Arguments, string? Plugin)
{
    public const string Usage =
        """
        usage: privsep-relay [--plugin NAME] -- PATH [ARG...]

        Runs PATH with ARGs in the PrivSep broker, as the broker's policy allows, and relays this process's stdin to the
        command and the command's stdout and stderr to this process's. Exits with the command's exit code; 125 when the
        relay itself failed (bad command line, broker not reachable, bad secret), 126 when the broker refused the command.
        SIGTERM, SIGINT, SIGHUP and SIGQUIT are forwarded to the command.

          --plugin NAME   the plugin the command is run for (recorded in the broker's audit log)
          --help          this text

        Environment: PRIVSEP_SOCKET (default /run/privsep/broker.sock), PRIVSEP_SECRET_FILE (default
        /etc/privsep/agent.secret), PRIVSEP_RELAY_PARENT (the pid of the process that started the relay; when set, the
        relay exits at once if its parent is no longer that process).
        """;

    /// <summary>True when <c>--help</c> was asked for: print <see cref="Usage"/>, nothing else.</summary>
    public bool HelpRequested { get; private init; }

    /// <exception cref="RelayFailure">The command line is not understood (exit code 125).</exception>
    public static RelayCommandLine Parse(IReadOnlyList<string> args)
    {
        string? plugin = null;
        for (int i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--help" or "-h":
                    return new RelayCommandLine(string.Empty, [], null) { HelpRequested = true };
                case "--plugin" when i + 1 < args.Count:
                    plugin = args[++i];
                    break;
                case "--plugin":
                    throw Bad("--plugin needs a value");
                case "--":
                    return Command(args.Skip(i + 1).ToList(), plugin);
                default:
                    throw Bad($"unknown option '{args[i]}'");
            }
        }

        throw Bad("no command: put it after '--'");
    }

    private static RelayCommandLine Command(List<string> command, string? plugin)
    {
        if (command.Count == 0)
        {
            throw Bad("no command after '--'");
        }

        if (!System.IO.Path.IsPathRooted(command[0]))
        {
            throw Bad($"'{command[0]}' is not an absolute path; the broker runs only absolute paths, never a PATH lookup");
        }

        return new RelayCommandLine(command[0], command.Skip(1).ToList(), plugin);
    }

    private static RelayFailure Bad(string problem) =>
        new(RelayExitCodes.RelayFailed, $"{problem} (usage: privsep-relay [--plugin NAME] -- PATH [ARG...]; see --help).");
}

namespace PrivSep.Relay;

/// <summary>
/// <c>privsep-relay [--plugin NAME] [--stdin] -- PATH [ARG...]</c>. Everything after <c>--</c> is the command, taken
/// verbatim, so an argument of the command can never be mistaken for an option of the relay.
/// </summary>
internal sealed record RelayCommandLine(string Path, IReadOnlyList<string> Arguments, string? Plugin)
{
    public const string Usage =
        """
        usage: privsep-relay [--plugin NAME] [--stdin] -- PATH [ARG...]

        Runs PATH with ARGs in the PrivSep broker, as the broker's policy allows, and relays the command's stdout and
        stderr to this process's (and, with --stdin, this process's stdin to the command). Exits with the command's exit
        code; 125 when the relay itself failed (bad command line, broker not reachable, bad secret), 126 when the broker
        refused the command. SIGTERM, SIGINT, SIGHUP and SIGQUIT are forwarded to the command.

          --plugin NAME   the plugin the command is run for (recorded in the broker's audit log)
          --stdin         relay this process's stdin to the command; without it, stdin is never read and the command's
                          input ends at once
          --help          this text

        Environment: PRIVSEP_SOCKET (default /run/privsep/broker.sock), PRIVSEP_SECRET_FILE (default
        /etc/privsep/agent.secret), PRIVSEP_RELAY_PARENT (the pid of the process that started the relay; when set, the
        relay exits at once if its parent is no longer that process).
        """;

    /// <summary>True when <c>--help</c> was asked for: print <see cref="Usage"/>, nothing else.</summary>
    public bool HelpRequested { get; private init; }

    /// <summary>
    /// True with <c>--stdin</c>: the plugin redirected the command's stdin, so the relay's stdin is the plugin's pipe.
    /// Without it the relay's stdin is the agent's own, which the relay must never read (it would eat the agent's input).
    /// </summary>
    public bool RelaysStdin { get; init; }

    /// <exception cref="RelayFailure">The command line is not understood (exit code 125).</exception>
    public static RelayCommandLine Parse(IReadOnlyList<string> args)
    {
        string? plugin = null;
        bool relaysStdin = false;
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
                case "--stdin":
                    relaysStdin = true;
                    break;
                case "--":
                    return Command(args.Skip(i + 1).ToList(), plugin) with { RelaysStdin = relaysStdin };
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
        new(RelayExitCodes.RelayFailed, $"{problem} (usage: privsep-relay [--plugin NAME] [--stdin] -- PATH [ARG...]; see --help).");
}

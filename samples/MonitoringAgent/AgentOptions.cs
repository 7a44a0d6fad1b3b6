namespace MonitoringAgent;

/// <summary>
/// The command line: <c>--plugins DIR --public-key KEY.pub.pem [--rounds N] [--interval-ms M] [--table]</c>.
/// <c>--rounds 0</c> runs until SIGTERM/SIGINT, as a service does.
/// </summary>
internal sealed record AgentOptions(string PluginDirectory, string PublicKeyPath, int Rounds, int IntervalMilliseconds, bool Table)
{
    public const string Usage = "usage: MonitoringAgent --plugins DIR --public-key KEY.pub.pem [--rounds N (0: until stopped)] [--interval-ms M] [--table]";

    public bool RunsUntilStopped => this.Rounds == 0;

    public static AgentOptions Parse(string[] args)
    {
        string? plugins = null, key = null;
        int rounds = 1, interval = 1000;
        bool table = false;
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--plugins": plugins = Value(); break;
                case "--public-key": key = Value(); break;
                case "--rounds": rounds = PositiveInt(Value(), "--rounds", allowZero: true); break;
                case "--interval-ms": interval = PositiveInt(Value(), "--interval-ms", allowZero: true); break;
                case "--table": table = true; break;
                default: throw new ArgumentException($"unknown option '{args[i]}'");
            }
        }

        if (rounds == 0 && table)
        {
            throw new ArgumentException("--table prints once the rounds are done: it needs --rounds N (N > 0), not --rounds 0 (run until stopped)");
        }

        return new AgentOptions(
            plugins ?? throw new ArgumentException("--plugins DIR is required"),
            key ?? throw new ArgumentException("--public-key KEY.pub.pem is required (the key the plugin folder's manifest is signed with)"),
            rounds,
            interval,
            table);
    }

    private static int PositiveInt(string text, string option, bool allowZero) =>
        int.TryParse(text, out int value) && (value > 0 || (allowZero && value == 0)) ? value : throw new ArgumentException($"{option}: '{text}' is not a {(allowZero ? "non-negative" : "positive")} number");
}

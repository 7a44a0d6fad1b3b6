using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using PrivSep.Broker.Policy;
using PrivSep.Broker.Service;

namespace PrivSep.Cli.Commands;

/// <summary>
/// <c>privsep policy check FILE [--path P --access read|write] [--ping HOST] [--exec PATH [--arg A]...]</c>: loads the
/// policy with the broker's own engine, says what it allows, and decides single requests exactly as the broker would.
/// Never sends a ping, never runs a command. A command's arguments are given one <c>--arg</c> each, never as one string
/// split on spaces, so an argument holding a space is checked as the one argument it is.
/// </summary>
internal static class PolicyCheckCommand
{
    private static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(5);

    public static Command Create(CliContext context)
    {
        var fileArgument = new Argument<string>("file") { Description = "The policy file (JSON) the broker would load." };
        var pathOption = new Option<string?>("--path") { Description = "A path to decide for (made absolute and normalized, as the broker checks resolved paths).", HelpName = "P" };
        var accessOption = new Option<string?>("--access") { Description = "The access to decide for --path: read (default) or write.", HelpName = "read|write" };
        accessOption.AcceptOnlyFromAmong("read", "write");
        var pingOption = new Option<string?>("--ping") { Description = "A host name or address to decide a ping for; a name is resolved (DNS) to show which address the broker would ping.", HelpName = "HOST" };
        var execOption = new Option<string?>("--exec") { Description = "The file of a command to decide for, exactly as a plugin would start it (compared as given: no PATH lookup, no normalization).", HelpName = "PATH" };
        var argOption = new Option<string[]>("--arg")
        {
            Description = "One argument of the --exec command (argv[1] onwards), repeated in order. Use --arg=VALUE for a value that starts with '-' and could be read as an option.",
            HelpName = "A",
            Arity = ArgumentArity.ZeroOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
        var command = new Command(
            "check",
            "Validates a policy with the broker's own policy engine, prints what it allows, and for --path/--ping/--exec the decision and the rule that makes it. "
            + "Exit 0 valid and allowed, 1 denied, 2 policy invalid or usage error.")
        {
            fileArgument, pathOption, accessOption, pingOption, execOption, argOption,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(accessOption) is not null && result.GetValue(pathOption) is null)
            {
                result.AddError("--access needs --path (the path to decide for)");
            }

            if (result.GetValue(argOption) is { Length: > 0 } && result.GetValue(execOption) is null)
            {
                result.AddError("--arg needs --exec (the file of the command to decide for)");
            }
        });
        command.SetAction(async (parseResult, cancellationToken) => await RunAsync(
            context,
            parseResult.GetValue(fileArgument)!,
            parseResult.GetValue(pathOption),
            parseResult.GetValue(accessOption) ?? "read",
            parseResult.GetValue(pingOption),
            parseResult.GetValue(execOption),
            parseResult.GetValue(argOption) ?? [],
            cancellationToken).ConfigureAwait(false));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, string policyPath, string? path, string access, string? pingHost, string? execPath, string[] execArguments, CancellationToken cancellationToken)
    {
        var users = new SystemUserDirectory();
        BrokerPolicy policy;
        try
        {
            policy = BrokerPolicy.Load(policyPath, users);
        }
        catch (PolicyException e)
        {
            return context.Fail("policy check", $"{e.Message} — fix the policy and run privsep policy check again");
        }

        PrintSummary(context.Out, policy, users);
        bool allowed = true;
        if (path is not null)
        {
            allowed &= DecidePath(context.Out, policy, path, access);
        }

        if (pingHost is not null)
        {
            allowed &= await DecidePingAsync(context.Out, policy, pingHost, cancellationToken).ConfigureAwait(false);
        }

        if (execPath is not null)
        {
            allowed &= DecideExec(context.Out, policy, execPath, execArguments);
        }

        return allowed ? ExitCodes.Success : ExitCodes.Findings;
    }

    private static void PrintSummary(TextWriter output, BrokerPolicy policy, IUserDirectory users)
    {
        output.WriteLine($"{policy.SourceName}: valid");
        output.WriteLine($"  agents:        {string.Join(", ", policy.AgentUsers.Select(u => users.TryGetUid(u, out uint uid) ? $"{u} (uid {uid})" : u))}");
        PrintList(output, "files.read", policy.ReadGlobs);
        PrintList(output, "files.write", policy.WriteGlobs);
        PrintList(output, "files.deny", policy.DenyGlobs);
        PrintList(output, "write roots", policy.WriteRoots);
        foreach (string missing in policy.MissingWriteRoots())
        {
            output.WriteLine($"  warning:       {missing}");
        }

        PrintList(output, "ping.targets", policy.PingTargets);
        PrintExecRules(output, policy.ExecRules);
        var limits = policy.Limits;
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"  limits:        maxConnections={limits.MaxConnections} maxOpenHandles={limits.MaxOpenHandles} maxMessageBytes={limits.MaxMessageBytes} "
            + $"maxConcurrentRequests={limits.MaxConcurrentRequests} maxRequestsPerSecond={limits.MaxRequestsPerSecond} handshakeTimeoutSeconds={limits.HandshakeTimeoutSeconds} "
            + $"requestTimeoutSeconds={limits.RequestTimeoutSeconds} handleIdleTimeoutSeconds={limits.HandleIdleTimeoutSeconds} "
            + $"connectionIdleTimeoutSeconds={limits.ConnectionIdleTimeoutSeconds} messageTimeoutSeconds={limits.MessageTimeoutSeconds}"));
        output.WriteLine("  (default deny: anything no rule names is refused; files.deny wins over read and write; files.write also grants reading the same paths)");
        if (policy.ExecRules.Count > 0)
        {
            output.WriteLine("  (exec: a command runs in the broker only when its exact path and every argument, position by position, match a rule (an argument with a '..' segment matches none); "
                + "a command whose path no rule names starts unprivileged as before; one whose path a rule names with other arguments is refused)");
        }
    }

    /// <summary>One line per rule: what it runs and as whom, with its limits.</summary>
    private static void PrintExecRules(TextWriter output, IReadOnlyList<ExecRule> rules)
    {
        if (rules.Count == 0)
        {
            PrintList(output, "exec", []);
            return;
        }

        for (var i = 0; i < rules.Count; i++)
        {
            output.WriteLine($"  {(i == 0 ? "exec:" : string.Empty).PadRight(14)} {rules[i].RuleName}: {DescribeRun(rules[i])}");
        }
    }

    private static string DescribeRun(ExecRule rule)
    {
        string sha = rule.Sha256 is null ? string.Empty : $", sha256 {rule.Sha256}";
        string missing = File.Exists(rule.Path) ? string.Empty : " (the file does not exist here)";
        return string.Create(
            CultureInfo.InvariantCulture,
            $"as {rule.User} (uid {rule.Uid}), timeout {rule.TimeoutSeconds} s, output up to {rule.MaxOutputBytes} bytes{sha}{missing}");
    }

    /// <summary>Decides with the broker's own <see cref="BrokerPolicy.CheckExec"/>; the path is compared as given, as the broker does.</summary>
    private static bool DecideExec(TextWriter output, BrokerPolicy policy, string path, string[] arguments)
    {
        var decision = policy.CheckExec(path, arguments);
        var command = ExecRule.FormatCommand(path, arguments);
        if (decision.Allowed)
        {
            output.WriteLine($"exec {command}: allowed by {decision.Rule}");
            output.WriteLine($"  the broker would run it {DescribeRun(decision.Matched!)}");
        }
        else
        {
            output.WriteLine($"exec {command}: denied by {decision.Rule}");
            output.WriteLine(decision.PathNamed
                ? "  a rule names this path, so the Shim refuses the command (it is never started unprivileged instead)"
                : "  no rule names this path, so the Shim starts the command unprivileged, as before");
        }

        return decision.Allowed;
    }

    private static void PrintList(TextWriter output, string name, IReadOnlyList<string> values) =>
        output.WriteLine($"  {(name + ":").PadRight(14)} {(values.Count == 0 ? "(none)" : string.Join(", ", values))}");

    /// <summary>Decides with the broker's own <see cref="PolicyQuestion"/>, so the answer is the broker's (files.write also grants reads; deny wins).</summary>
    private static bool DecidePath(TextWriter output, BrokerPolicy policy, string path, string access)
    {
        string checkedPath = Normalize(path);
        if (checkedPath != path)
        {
            output.WriteLine($"{path}: checked as {checkedPath}");
        }

        var question = access == "write" ? PolicyQuestion.Write(checkedPath) : PolicyQuestion.Read(checkedPath);
        PolicyDecision decision = question.DecideWith(policy);
        output.WriteLine($"{access} {checkedPath}: {Describe(decision)}");
        if (decision.Allowed)
        {
            output.WriteLine("  (the broker checks the path it actually opens: symlinks are resolved first, and FIFOs, sockets and devices are refused)");
        }

        return decision.Allowed;
    }

    /// <summary>Like the broker's ping action: an address is checked as given; a name is resolved and the first allowed address is the one pinged.</summary>
    private static async Task<bool> DecidePingAsync(TextWriter output, BrokerPolicy policy, string host, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(host, out var literal))
        {
            var decision = PolicyQuestion.Ping(null, literal).DecideWith(policy);
            output.WriteLine($"ping {literal}: {Describe(decision)}");
            return decision.Allowed;
        }

        IPAddress[] addresses;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(ResolveTimeout);
            try
            {
                addresses = await Dns.GetHostAddressesAsync(host, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                output.WriteLine($"ping {host}: denied — the name does not resolve here ({e.Message}); the broker could not ping it either");
                return false;
            }
        }

        if (addresses.Length == 0)
        {
            output.WriteLine($"ping {host}: denied — the name has no address");
            return false;
        }

        var decisions = addresses.Select(a => (Address: a, Decision: PolicyQuestion.Ping(host, a).DecideWith(policy))).ToList();
        foreach (var (address, decision) in decisions)
        {
            output.WriteLine($"  {host} → {address}: {Describe(decision)}");
        }

        var chosen = decisions.FirstOrDefault(d => d.Decision.Allowed);
        if (chosen.Address is null)
        {
            output.WriteLine($"ping {host}: {Describe(decisions[0].Decision)} (no resolved address is allowed)");
            return false;
        }

        output.WriteLine($"ping {host}: allowed — the broker would ping {chosen.Address} ({chosen.Decision.Rule})");
        return true;
    }

    private static string Describe(PolicyDecision decision) =>
        decision.Allowed ? $"allowed by {decision.Rule}" : $"denied by {decision.Rule}";

    private static string Normalize(string path)
    {
        string full = Path.GetFullPath(path);
        return full.Length > 1 ? full.TrimEnd('/') : full;
    }
}

using System.ComponentModel;
using System.Globalization;
using PrivSep.Broker.Audit;
using PrivSep.Broker.Exec;
using PrivSep.Broker.Interop;
using PrivSep.Broker.Policy;
using PrivSep.Broker.Service;
using PrivSep.Broker.Session;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Broker.Actions;

/// <summary>
/// exec.start: runs a command a rule allows — the checked file (<see cref="ExecutableCheck"/>), as the rule's user,
/// with the rule's time and output limits — and ties it to this connection's handle table. The pipeline audits the
/// start (and kills the command if it cannot); the request table then sends the client its ends of the relayed stdio.
/// The command's end gets its own "exec.exit" line, written after the start's.
/// </summary>
internal sealed class StartCommandAction(ExecRequest request, string? plugin, BrokerState state, SessionContext session) : IBrokerAction<StartedCommand>
{
    private BrokerPolicy? policy;
    private (string Path, IReadOnlyList<string> Arguments) command;
    private int? pid;
    private string? user;

    public string Name => "exec.start";

    public IReadOnlyList<KeyValuePair<string, string?>> AuditArguments =>
    [
        .. ExecArguments.Audit(request),
        new("user", this.user),
        new("pid", this.pid?.ToString(CultureInfo.InvariantCulture)),
    ];

    public ValueTask<IReadOnlyList<PolicyQuestion>> PrepareAsync(BrokerPolicy policy, CancellationToken cancellationToken)
    {
        this.command = ExecArguments.Validate(request);
        this.policy = policy;
        return ValueTask.FromResult<IReadOnlyList<PolicyQuestion>>([PolicyQuestion.Exec(this.command.Path, this.command.Arguments)]);
    }

    public ValueTask<StartedCommand> PerformAsync(CancellationToken cancellationToken)
    {
        // The pipeline allowed this command on this same policy snapshot; this reads which rule did (its user and limits).
        var rule = this.policy!.CheckExec(this.command.Path, this.command.Arguments).Matched
            ?? throw new BrokerActionException(BrokerErrorCode.Internal, "The allowing exec rule could not be found again.");
        this.user = rule.User;
        var executable = ExecutableCheck.Verify(rule);
        var (uid, gid) = RunAs(rule);
        var limits = this.policy.Limits;
        if (session.Handles.Count >= limits.MaxOpenHandles)
        {
            throw new BrokerActionException(BrokerErrorCode.QuotaExceeded, $"Too many open broker handles on this connection (limits.maxOpenHandles = {limits.MaxOpenHandles}); wait for or kill running commands.", rule: "limits.maxOpenHandles");
        }

        if (!state.Commands.TryTake(limits.MaxRunningCommands))
        {
            throw new BrokerActionException(BrokerErrorCode.QuotaExceeded, $"The broker already runs {limits.MaxRunningCommands} commands (limits.maxRunningCommands); try again when one has ended.", rule: "limits.maxRunningCommands");
        }

        // The end's line is audited too, and exec.exit always follows exec.start: its room is set aside before the
        // command runs, and given back when the command is over (unused only if its start could not be audited).
        var exitLine = state.Audit.Reserve(this.ExitRecord(rule, 0, new ExecWaitResponse(true, int.MinValue, 0, false, false, long.MaxValue, long.MaxValue, long.MaxValue / 1000), "exited"));
        var slotHeld = true;
        try
        {
            var spec = new CommandSpec(executable, this.command.Arguments, uid, gid, TimeSpan.FromSeconds(rule.TimeoutSeconds), rule.MaxOutputBytes)
            {
                CgroupProcs = state.CommandCgroup?.ProcsPath,
            };
            BrokeredCommand? brokered = null;
            CommandRelay.ClientEnds? ends = null;

            // The spawn runs under the handle table's lock: a connection that closed meanwhile is refused before anything
            // runs as root, and one that closes during the spawn waits for it and then kills the command with its handles.
            var handle = session.Handles.AddStarted(() =>
            {
                var launched = this.Launch(spec, rule, exitLine, out var clientEnds);
                (brokered, ends, slotHeld) = (launched, clientEnds, false);
                return launched;
            });
            return ValueTask.FromResult(new StartedCommand(handle, brokered!, ends!, session.Handles));
        }
        finally
        {
            if (slotHeld)
            {
                state.Commands.Release();
                exitLine.Dispose();
            }
        }
    }

    public void Dispose()
    {
    }

    /// <summary>
    /// Spawns the command and its relay; a command whose relay cannot be made is killed, never left unattended. The
    /// running-command slot and the exec.exit line's room are given back as the command ends, before its end is visible
    /// to exec.wait, so a client told "ended" can start the next one at once.
    /// </summary>
    private BrokeredCommand Launch(CommandSpec spec, ExecRule rule, AuditReservation exitLine, out CommandRelay.ClientEnds ends)
    {
        RunningCommand running;
        try
        {
            running = CommandLauncher.Start(spec);
        }
        catch (Win32Exception ex)
        {
            throw new BrokerActionException(BrokerErrorCode.IOFailure, $"The broker could not start '{spec.Path}': {ex.Message}", this.command.Path, rule.RuleName);
        }

        this.pid = running.Pid;
        try
        {
            return new BrokeredCommand(
                running,
                spec.MaxOutputBytes,
                (end, cause) => state.Audit.Append(this.ExitRecord(rule, running.Pid, end, cause), exitLine),
                onEnded: () =>
                {
                    state.Commands.Release();
                    exitLine.Dispose();
                },
                out ends);
        }
        catch
        {
            running.Dispose();
            throw;
        }
    }

    /// <summary>The rule's user, looked up now: users can change after the policy was loaded, and a changed uid is refused.</summary>
    private static (uint Uid, uint Gid) RunAs(ExecRule rule)
    {
        if (!LibC.TryGetPasswdIds(rule.User, out var uid, out var gid))
        {
            throw new BrokerActionException(BrokerErrorCode.PolicyDenied, $"The user '{rule.User}' that {rule.RuleName} runs as no longer exists; create it or fix the rule and reload the policy.", rule.Path, rule.RuleName);
        }

        if (uid != rule.Uid)
        {
            throw new BrokerActionException(BrokerErrorCode.PolicyDenied, $"The user '{rule.User}' of {rule.RuleName} now has uid {uid}, not the {rule.Uid} it had when the policy was loaded; reload the policy (SIGHUP).", rule.Path, rule.RuleName);
        }

        return (uid, gid);
    }

    private AuditRecord ExitRecord(ExecRule rule, int commandPid, ExecWaitResponse end, string cause) =>
        new()
        {
            Pid = session.Peer.Pid,
            Uid = session.Peer.Uid,
            Gid = session.Peer.Gid,
            Plugin = plugin,
            Action = "exec.exit",
            Args =
            [
                new("command", ExecRule.FormatCommand(this.command.Path, this.command.Arguments)),
                new("pid", commandPid.ToString(CultureInfo.InvariantCulture)),
                new("exitCode", end.ExitCode.ToString(CultureInfo.InvariantCulture)),
                new("signal", end.Signal.ToString(CultureInfo.InvariantCulture)),
                new("stdoutBytes", end.StdoutBytes.ToString(CultureInfo.InvariantCulture)),
                new("stderrBytes", end.StderrBytes.ToString(CultureInfo.InvariantCulture)),
                new("cause", cause),
            ],
            ResolvedPath = this.command.Path,
            Decision = "allow",
            Rule = rule.RuleName,
            Outcome = end.Signal == 0 ? $"exit {end.ExitCode}" : $"signal {end.Signal}",
            DurationMicroseconds = end.DurationMilliseconds * 1000,
        };
}

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

        var slotHeld = true;
        try
        {
            var spec = new CommandSpec(executable, this.command.Arguments, uid, gid, TimeSpan.FromSeconds(rule.TimeoutSeconds), rule.MaxOutputBytes)
            {
                CgroupProcs = state.CommandCgroup?.ProcsPath,
            };
            RunningCommand running;
            try
            {
                running = CommandLauncher.Start(spec);
            }
            catch (Win32Exception ex)
            {
                throw new BrokerActionException(BrokerErrorCode.IOFailure, $"The broker could not start '{executable}': {ex.Message}", this.command.Path, rule.RuleName);
            }

            this.pid = running.Pid;
            BrokeredCommand brokered;
            CommandRelay.ClientEnds ends;
            try
            {
                brokered = new BrokeredCommand(running, spec.MaxOutputBytes, (end, cause) => this.RecordEnd(rule, running.Pid, end, cause), out ends);
            }
            catch
            {
                // No relay (pipes could not be made): the command must not run unattended.
                running.Dispose();
                throw;
            }

            slotHeld = false;
            _ = brokered.Completion.ContinueWith(_ => state.Commands.Release(), TaskScheduler.Default);

            // From here the handle table owns the command: if Add fails it kills the command itself.
            try
            {
                var handle = session.Handles.Add(brokered);
                return ValueTask.FromResult(new StartedCommand(handle, brokered, ends, session.Handles));
            }
            catch
            {
                brokered.OnStartAudited(recorded: false);
                ends.Dispose();
                throw;
            }
        }
        finally
        {
            if (slotHeld)
            {
                state.Commands.Release();
            }
        }
    }

    public void Dispose()
    {
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

    private void RecordEnd(ExecRule rule, int commandPid, ExecWaitResponse end, string cause)
    {
        state.Audit.Append(new AuditRecord
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
        });
    }
}

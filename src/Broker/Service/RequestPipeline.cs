using System.Diagnostics;
using PrivSep.Broker.Audit;
using PrivSep.Broker.Policy;
using PrivSep.Broker.Session;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Broker.Service;

/// <summary>
/// Runs every request the same way: rate limit → the peer is still allowed → prepare → the policy decides
/// (the only place it does) → room for the audit line is reserved → perform → the audit line is written and flushed
/// (the only place it is) → the result goes back. Without room the action is not performed; if the line still cannot
/// be written the result is discarded and the request denied.
/// </summary>
internal sealed class RequestPipeline(BrokerState state, SessionContext session)
{
    private const string AllowedUsersRule = "agents.users";

    public async Task<T> RunAsync<T>(string? plugin, IBrokerAction<T> action, CancellationToken cancellationToken)
    {
        using (action)
        {
            await session.RateLimiter.WaitAsync(cancellationToken).ConfigureAwait(false);
            var started = Stopwatch.GetTimestamp();
            var policy = state.Policy;
            string decision = "deny";
            string? rule = null;
            string? resolvedPath = null;
            T result = default!;
            BrokerActionException? failure = null;
            AuditReservation? reservation = null;
            try
            {
                if (!policy.AllowedUids.Contains(session.Peer.Uid))
                {
                    // The policy was reloaded without this user: fail closed and end the connection.
                    session.Terminate();
                    throw new BrokerActionException(BrokerErrorCode.PolicyDenied, $"uid {session.Peer.Uid} is no longer allowed by the broker policy.", rule: AllowedUsersRule);
                }

                var questions = await action.PrepareAsync(policy, cancellationToken).ConfigureAwait(false);
                foreach (var question in questions)
                {
                    // For files the path actually opened; for ping the address actually checked (and pinged).
                    resolvedPath ??= question.Subject;
                    var verdict = question.DecideWith(policy);
                    rule = rule is null ? verdict.Rule : $"{rule}; {verdict.Rule}";
                    if (!verdict.Allowed)
                    {
                        throw Denied(question, verdict);
                    }
                }

                decision = "allow";

                // Audit before the effect: room for this request's line is set aside before it acts, so a disk that
                // fills meanwhile cannot leave the effect unaudited; without room it is not performed at all. (An action
                // whose result is its only effect skips this: the line is written before the result leaves, or it is
                // discarded — setting room aside costs a second formatting of the line under the log's lock.)
                if (action.ActsBeforeAnswer)
                {
                    reservation = state.Audit.Reserve(Record(decision, rule, "ok", resolvedPath, 0));
                }

                result = await action.PerformAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (BrokerActionException ex)
            {
                failure = ex;
            }
            catch (AuditWriteException)
            {
                // No room for the line: not performed. The log says so once per outage, not once per request.
                failure = AuditUnavailable();
            }
            catch (FileSystem.ErrnoException ex)
            {
                // The kernel's answer about a path is an ordinary outcome, wherever in the action it came from.
                failure = FileSystem.ErrnoMapping.ToActionException(ex, resolvedPath ?? FileSystem.ErrnoMapping.RequestedPath(action.AuditArguments));
            }
            catch (OperationCanceledException)
            {
                failure = new BrokerActionException(BrokerErrorCode.Timeout, "The request was cancelled or exceeded limits.requestTimeoutSeconds.");
            }
            catch (Exception ex)
            {
                BrokerLog.Error($"internal error in {action.Name} for {session.Peer}: {ex}");
                failure = new BrokerActionException(BrokerErrorCode.Internal, "Internal broker error; the broker's log has the details.");
            }

            var record = Record(
                failure is { IsRefusal: true } ? "deny" : decision,
                failure?.Rule ?? rule,
                failure?.Outcome ?? "ok",
                resolvedPath ?? failure?.Path,
                (long)Stopwatch.GetElapsedTime(started).TotalMicroseconds);

            using (reservation)
            {
                try
                {
                    state.Audit.Append(record, reservation);
                }
                catch (AuditWriteException ex)
                {
                    (result as IDisposable)?.Dispose();
                    BrokerLog.Error($"audit log unavailable, denying {action.Name}: {ex.Message}");
                    throw AuditUnavailable();
                }
            }

            if (failure is not null)
            {
                throw failure;
            }

            return result;

            AuditRecord Record(string decision, string? rule, string outcome, string? path, long durationMicroseconds) => new()
            {
                Pid = session.Peer.Pid,
                Uid = session.Peer.Uid,
                Gid = session.Peer.Gid,
                Plugin = plugin,
                Action = action.Name,
                Args = action.AuditArguments,
                ResolvedPath = path,
                Decision = decision,
                Rule = rule,
                Outcome = outcome,
                DurationMicroseconds = durationMicroseconds,
            };
        }
    }

    private static BrokerActionException AuditUnavailable() =>
        new(BrokerErrorCode.AuditUnavailable, "Denied: the PrivSep broker cannot write its audit log, so it performs no privileged action.", rule: "audit: fail closed");

    private static BrokerActionException Denied(PolicyQuestion question, PolicyDecision verdict) => question.Access switch
    {
        AccessKind.Exec or AccessKind.ExecRoute => new(BrokerErrorCode.PolicyDenied, $"The command '{Policy.ExecRule.FormatCommand(question.Subject, question.Arguments!)}' is denied by the PrivSep broker policy ({verdict.Rule}).", question.Subject, verdict.Rule),
        AccessKind.Ping => new(BrokerErrorCode.PolicyDenied, $"Ping to '{question.HostName ?? question.Subject}' ({question.Subject}) is denied by the PrivSep broker policy ({verdict.Rule}).", question.Subject, verdict.Rule),
        _ => new(BrokerErrorCode.PolicyDenied, $"Access to the path '{question.Subject}' is denied by the PrivSep broker policy ({verdict.Rule}).", question.Subject, verdict.Rule),
    };
}

using PrivSep.Broker.Policy;

namespace PrivSep.Broker.Service;

/// <summary>
/// One privileged action, in the two halves the pipeline runs with the policy check between them:
/// <see cref="PrepareAsync"/> looks without touching (O_PATH opens, name resolution) and says what must be allowed;
/// <see cref="PerformAsync"/> acts only after every question was allowed. <see cref="IDisposable.Dispose"/> releases
/// whatever Prepare holds, whether or not Perform ran.
/// </summary>
internal interface IBrokerAction<T> : IDisposable
{
    /// <summary>The audit log's name for the action, e.g. "file.open".</summary>
    string Name { get; }

    /// <summary>The request's arguments, normalized, for the audit line.</summary>
    IReadOnlyList<KeyValuePair<string, string?>> AuditArguments { get; }

    /// <summary>
    /// Whether <see cref="PerformAsync"/> changes anything a client could see before the answer goes back (a file created,
    /// moved or deleted, a command started). Such an action gets room for its audit line before it runs. An action
    /// without (a stat, a read-only open, a listing page) needs none: its result only reaches the client after its line
    /// was written, and is discarded if the line cannot be. True unless an action says otherwise: fail closed.
    /// </summary>
    bool ActsBeforeAnswer => true;

    ValueTask<IReadOnlyList<PolicyQuestion>> PrepareAsync(BrokerPolicy policy, CancellationToken cancellationToken);

    ValueTask<T> PerformAsync(CancellationToken cancellationToken);
}

using PrivSep.Broker.FileSystem;
using PrivSep.Broker.Policy;
using PrivSep.Broker.Service;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Broker.Actions;

/// <summary>
/// What every action that changes one path needs before it touches anything: the path validated, its write
/// location opened (root and parent descriptors), and one question for the policy: may this path be written?
/// </summary>
internal abstract class WriteTargetAction(string requestedPath) : IBrokerAction<bool>
{
    private WriteLocation? location;

    public abstract string Name { get; }

    public IReadOnlyList<KeyValuePair<string, string?>> AuditArguments => [new("path", requestedPath)];

    /// <summary>The validated path (set by <see cref="PrepareAsync"/>).</summary>
    protected string Path { get; private set; } = string.Empty;

    public ValueTask<IReadOnlyList<PolicyQuestion>> PrepareAsync(BrokerPolicy policy, CancellationToken cancellationToken)
    {
        this.Path = BrokerPath.Validate(requestedPath);
        this.location = WriteLocation.Open(policy, this.Path);
        return ValueTask.FromResult<IReadOnlyList<PolicyQuestion>>([PolicyQuestion.Write(this.Path)]);
    }

    public ValueTask<bool> PerformAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(this.Perform(RequireLocation(this.location, this.Path)));

    public void Dispose() => this.location?.Dispose();

    /// <summary>
    /// The policy already refused paths outside every write root; reaching here without a location would mean
    /// a write rule without a root, so fail closed rather than write relative to nothing.
    /// </summary>
    public static WriteLocation RequireLocation(WriteLocation? location, string path) =>
        location ?? throw new BrokerActionException(BrokerErrorCode.PolicyDenied, $"Access to the path '{path}' is denied: no files.write root contains it.", path, "files.write");

    /// <summary>Runs once the policy allowed the path; <paramref name="target"/> belongs to this action.</summary>
    protected abstract bool Perform(WriteLocation target);
}

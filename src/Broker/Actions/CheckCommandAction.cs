using PrivSep.Broker.Policy;
using PrivSep.Broker.Service;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Broker.Actions;

/// <summary>
/// exec.check: tells the Shim where a command the plugin starts runs — in the broker (a rule allows it) or
/// unprivileged (no rule names its path). The refusal (a named path with unmatched arguments, a PATH lookup of a
/// named file) is the pipeline's denial, audited like any other.
/// </summary>
internal sealed class CheckCommandAction(ExecRequest request) : IBrokerAction<ExecCheckResponse>
{
    private BrokerPolicy? policy;
    private (string Path, IReadOnlyList<string> Arguments) command;

    public string Name => "exec.check";

    public bool ActsBeforeAnswer => false;

    public IReadOnlyList<KeyValuePair<string, string?>> AuditArguments => ExecArguments.Audit(request);

    public ValueTask<IReadOnlyList<PolicyQuestion>> PrepareAsync(BrokerPolicy policy, CancellationToken cancellationToken)
    {
        this.command = ExecArguments.Validate(request);
        this.policy = policy;
        return ValueTask.FromResult<IReadOnlyList<PolicyQuestion>>([PolicyQuestion.ExecRoute(this.command.Path, this.command.Arguments)]);
    }

    public ValueTask<ExecCheckResponse> PerformAsync(CancellationToken cancellationToken)
    {
        // The pipeline allowed the route question on this same policy snapshot; this reads which route that was.
        var decision = this.policy!.CheckExec(this.command.Path, this.command.Arguments);
        return ValueTask.FromResult(decision.Allowed
            ? new ExecCheckResponse(ExecRoute.Broker, decision.Rule)
            : new ExecCheckResponse(ExecRoute.Local, $"no exec rule names {this.command.Path}: it runs unprivileged"));
    }

    public void Dispose()
    {
    }
}

using System.Globalization;
using PrivSep.Broker.Exec;
using PrivSep.Broker.Policy;
using PrivSep.Broker.Service;
using PrivSep.Broker.Session;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Broker.Actions;

/// <summary>
/// exec.wait: waits, at most <see cref="ExecLimits.MaxWaitMilliseconds"/>, for a command of this connection to end and
/// its output to be relayed; the answer that reports the end also frees the handle.
/// </summary>
internal sealed class WaitCommandAction(ExecWaitRequest request, HandleTable handles) : IBrokerAction<ExecWaitResponse>
{
    private static readonly ExecWaitResponse NotYet = new(false, 0, 0, false, false, 0, 0, 0);

    private ExecWaitResponse? result;
    private double requestTimeoutMilliseconds;

    public string Name => "exec.wait";

    public bool ActsBeforeAnswer => false;

    public IReadOnlyList<KeyValuePair<string, string?>> AuditArguments =>
    [
        new("handle", request.Handle.ToString(CultureInfo.InvariantCulture)),
        new("exited", this.result?.Exited.ToString()),
    ];

    public ValueTask<IReadOnlyList<PolicyQuestion>> PrepareAsync(BrokerPolicy policy, CancellationToken cancellationToken)
    {
        if (request.TimeoutMilliseconds is < 1 or > ExecLimits.MaxWaitMilliseconds)
        {
            throw BrokerActionException.Invalid($"An exec.wait timeout must be between 1 and {ExecLimits.MaxWaitMilliseconds} ms.");
        }

        this.requestTimeoutMilliseconds = policy.Limits.RequestTimeoutSeconds * 1000.0;

        return ValueTask.FromResult<IReadOnlyList<PolicyQuestion>>([]);
    }

    public async ValueTask<ExecWaitResponse> PerformAsync(CancellationToken cancellationToken)
    {
        // Answer "not yet" within half of limits.requestTimeoutSeconds: a wait cut by it would be a failed request (the
        // relay would give up its command). The handle is in use for the whole wait, so the idle sweeper never takes a
        // command whose client is waiting for it.
        var limit = TimeSpan.FromMilliseconds(Math.Min(request.TimeoutMilliseconds, this.requestTimeoutMilliseconds / 2));
        this.result = await handles.UseAsync<BrokeredCommand, ExecWaitResponse>(request.Handle, async command =>
        {
            try
            {
                return await command.Completion.WaitAsync(limit, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return NotYet;
            }
        }).ConfigureAwait(false);

        if (this.result.Exited)
        {
            handles.Close(request.Handle);
        }

        return this.result;
    }

    public void Dispose()
    {
    }
}

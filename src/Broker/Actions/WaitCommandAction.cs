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
    private ExecWaitResponse? result;
    private double requestTimeoutMilliseconds;

    public string Name => "exec.wait";

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
        var completion = handles.Use<BrokeredCommand, Task<ExecWaitResponse>>(request.Handle, command => command.Completion);

        // Answer "not yet" well within two other limits: a wait counts as use of the handle only when it starts, so one
        // longer than half the idle timeout would let the sweeper kill a command whose client is waiting for it; and a
        // wait cut by limits.requestTimeoutSeconds would be a failed request (the relay would give up its command).
        var limit = Math.Min(request.TimeoutMilliseconds, Math.Min(handles.IdleTimeout.TotalMilliseconds, this.requestTimeoutMilliseconds) / 2);
        try
        {
            this.result = await completion.WaitAsync(TimeSpan.FromMilliseconds(limit), cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            this.result = new ExecWaitResponse(false, 0, 0, false, false, 0, 0, 0);
            return this.result;
        }

        handles.Close(request.Handle);
        return this.result;
    }

    public void Dispose()
    {
    }
}

using System.Globalization;
using PrivSep.Broker.Exec;
using PrivSep.Broker.Policy;
using PrivSep.Broker.Service;
using PrivSep.Broker.Session;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Broker.Actions;

/// <summary>exec.signal: forwards one of the signals a terminal or process manager sends to a command of this connection's whole group.</summary>
internal sealed class SignalCommandAction(ExecSignalRequest request, HandleTable handles) : IBrokerAction<bool>
{
    public string Name => "exec.signal";

    public IReadOnlyList<KeyValuePair<string, string?>> AuditArguments =>
    [
        new("handle", request.Handle.ToString(CultureInfo.InvariantCulture)),
        new("signal", request.Signal.ToString(CultureInfo.InvariantCulture)),
    ];

    public ValueTask<IReadOnlyList<PolicyQuestion>> PrepareAsync(BrokerPolicy policy, CancellationToken cancellationToken)
    {
        if (!ExecLimits.ForwardableSignals.Contains(request.Signal))
        {
            throw BrokerActionException.Invalid($"Signal {request.Signal} cannot be sent to a command; allowed: {string.Join(", ", ExecLimits.ForwardableSignals.Order())} (HUP, INT, QUIT, KILL, TERM).");
        }

        return ValueTask.FromResult<IReadOnlyList<PolicyQuestion>>([]);
    }

    public ValueTask<bool> PerformAsync(CancellationToken cancellationToken)
    {
        handles.Use<BrokeredCommand, bool>(request.Handle, command =>
        {
            command.Signal(request.Signal);
            return true;
        });
        return ValueTask.FromResult(true);
    }

    public void Dispose()
    {
    }
}

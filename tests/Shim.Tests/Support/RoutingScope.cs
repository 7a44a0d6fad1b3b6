using PrivSep.Shim.Routing;

namespace PrivSep.Shim.Tests.Support;

/// <summary>Sets how the Shim routes (and what answers as the broker) for one test, and restores the previous state.</summary>
internal sealed class RoutingScope : IDisposable
{
    /// <summary>No broker listens here: anything that tried to reach it would fail with IOException.</summary>
    public const string NonexistentSocket = "/nonexistent/privsep-shim-tests/broker.sock";

    private readonly ShimSettings previousSettings;
    private readonly IBrokerActions previousActions;

    private RoutingScope(bool routeAllCallsToBroker, IBrokerActions actions)
    {
        this.previousSettings = ShimSettings.Current;
        this.previousActions = BrokerActions.Current;
        ShimSettings.Current = new ShimSettings { SocketPath = NonexistentSocket, RouteAllCallsToBroker = routeAllCallsToBroker, ConnectTimeout = TimeSpan.FromSeconds(1) };
        BrokerActions.Current = actions;
    }

    /// <summary>Fast path, with the real client facade behind a recorder, pointed at a socket that does not exist.</summary>
    public static RoutingScope FastPathWithUnreachableBroker(out RecordingBrokerActions recorder)
    {
        recorder = new RecordingBrokerActions(BrokerActions.ClientFacade.Instance);
        return new RoutingScope(routeAllCallsToBroker: false, recorder);
    }

    /// <summary>Every call to the broker, answered by <paramref name="actions"/>.</summary>
    public static RoutingScope AllToBroker(IBrokerActions actions) => new(routeAllCallsToBroker: true, actions);

    /// <summary>Fast path, with <paramref name="actions"/> answering whatever falls back to the broker.</summary>
    public static RoutingScope FastPath(IBrokerActions actions) => new(routeAllCallsToBroker: false, actions);

    /// <summary>Puts <paramref name="relayPath"/> where the Shim looks for privsep-relay, until the scope ends.</summary>
    public RoutingScope WithRelay(string relayPath)
    {
        ShimSettings.Current = ShimSettings.Current with { RelayPath = relayPath };
        return this;
    }

    public void Dispose()
    {
        ShimSettings.Current = this.previousSettings;
        BrokerActions.Current = this.previousActions;
    }
}

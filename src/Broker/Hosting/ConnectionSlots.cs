namespace PrivSep.Broker.Hosting;

/// <summary>
/// Who holds the broker's connections, in two pools so that one kind cannot starve the other:
/// <list type="bullet">
/// <item>Handshakes (at most limits.maxConnections, of peers whose uid is allowed): when the pool is full, the handshake
/// waiting longest is dropped for a newcomer if it has waited <see cref="MinHandshakeAge"/>, else the newcomer is
/// refused. Connections that never send a hello (or stop halfway) cannot hold the pool longer than that each, nor
/// drop a handshake in progress sooner, and never take an authenticated slot.</item>
/// <item>Authenticated connections (at most limits.maxConnections): when all are taken, the one quiet the longest among
/// those with no request in flight and no command running is closed for the newcomer; only when every one has either is
/// the newcomer refused. An open listing does not protect a connection (or listings read now and then could hold every
/// slot); it dies with it and the Shim's next page fails. The Shim reconnects on its next call.</item>
/// </list>
/// Per-uid or per-pid slots would not help: every plugin of a host shares its uid and pid, the offender's included.
/// </summary>
internal sealed class ConnectionSlots
{
    private readonly object gate = new();
    private readonly LinkedList<PendingHandshake> handshakes = new();
    private readonly List<AuthenticatedConnection> authenticated = [];

    /// <summary>
    /// How long a handshake keeps its place against newcomers: a real agent's two round trips fit in it even on a loaded
    /// host, so connections arriving at the accept rate cannot turn the pool over faster than an agent completes.
    /// </summary>
    public static readonly TimeSpan MinHandshakeAge = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Enters the handshake pool, dropping the oldest handshake when <paramref name="capacity"/> are already waiting and
    /// it has had <see cref="MinHandshakeAge"/>; null (the newcomer is refused) when every waiting handshake is younger.
    /// </summary>
    public PendingHandshake? BeginHandshake(int capacity, CancellationToken stopping)
    {
        PendingHandshake? evicted = null;
        PendingHandshake pending;
        lock (this.gate)
        {
            if (this.handshakes.Count >= capacity && this.handshakes.First is { } oldest)
            {
                if (oldest.Value.Age < MinHandshakeAge)
                {
                    return null;
                }

                evicted = oldest.Value;
                this.handshakes.RemoveFirst();
            }

            pending = new PendingHandshake(this, stopping);
            pending.Node = this.handshakes.AddLast(pending);
        }

        evicted?.Evict();
        return pending;
    }

    /// <summary>
    /// Takes an authenticated slot for a connection that proved the secret, closing the sheddable connection quiet the longest
    /// when all <paramref name="capacity"/> are taken; null when every connection is busy.
    /// </summary>
    public AuthenticatedConnection? TryAdmit(int capacity)
    {
        AuthenticatedConnection? shed = null;
        var admitted = new AuthenticatedConnection(this);
        lock (this.gate)
        {
            if (this.authenticated.Count >= capacity)
            {
                shed = this.authenticated.Where(c => c.SheddableFor is not null).MaxBy(c => c.SheddableFor);
                if (shed is null)
                {
                    return null;
                }

                this.authenticated.Remove(shed);
            }

            this.authenticated.Add(admitted);
        }

        shed?.Close(ConnectionEnd.Shed);
        return admitted;
    }

    internal void Leave(PendingHandshake pending)
    {
        lock (this.gate)
        {
            if (pending.Node?.List is not null)
            {
                this.handshakes.Remove(pending.Node);
            }
        }
    }

    internal void Leave(AuthenticatedConnection connection)
    {
        lock (this.gate)
        {
            this.authenticated.Remove(connection);
        }
    }
}

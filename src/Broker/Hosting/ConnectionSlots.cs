namespace PrivSep.Broker.Hosting;

/// <summary>
/// Who holds the broker's connections, in two pools so that one kind cannot starve the other:
/// <list type="bullet">
/// <item>Handshakes (at most limits.maxConnections): a newcomer always gets in, and when the pool is full the handshake
/// waiting longest is dropped. A real agent completes its handshake in milliseconds, so connections that never send a
/// hello (or stop halfway) can delay a newcomer but never keep it out, and never take an authenticated slot.</item>
/// <item>Authenticated connections (at most limits.maxConnections): when all are taken, the idle one quiet the longest
/// (no request in flight, no open handle) is closed for the newcomer; only when none is idle is the newcomer refused.
/// An idle connection loses nothing a client relies on: the Shim reconnects on its next call.</item>
/// </list>
/// Per-uid or per-pid slots would not help: every plugin of a host shares its uid and pid, the offender's included.
/// </summary>
internal sealed class ConnectionSlots
{
    private readonly object gate = new();
    private readonly LinkedList<PendingHandshake> handshakes = new();
    private readonly List<AuthenticatedConnection> authenticated = [];

    /// <summary>Enters the handshake pool, dropping the oldest handshake when <paramref name="capacity"/> are already waiting.</summary>
    public PendingHandshake BeginHandshake(int capacity, CancellationToken stopping)
    {
        var pending = new PendingHandshake(this, stopping);
        PendingHandshake? evicted = null;
        lock (this.gate)
        {
            if (this.handshakes.Count >= capacity && this.handshakes.First is { } oldest)
            {
                evicted = oldest.Value;
                this.handshakes.RemoveFirst();
            }

            pending.Node = this.handshakes.AddLast(pending);
        }

        evicted?.Evict();
        return pending;
    }

    /// <summary>
    /// Takes an authenticated slot for a connection that proved the secret, closing the idle connection quiet the longest
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
                shed = this.authenticated.Where(c => c.IdleFor is not null).MaxBy(c => c.IdleFor);
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

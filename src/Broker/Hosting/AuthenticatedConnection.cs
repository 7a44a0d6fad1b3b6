namespace PrivSep.Broker.Hosting;

/// <summary>Why the broker itself ended an authenticated connection.</summary>
internal enum ConnectionEnd
{
    None,
    Shed,
    IdleTimeout,
}

/// <summary>An authenticated connection's slot: how long it has been idle (asked by a newcomer) and how to close it.</summary>
internal sealed class AuthenticatedConnection : IDisposable
{
    private readonly ConnectionSlots slots;
    private Func<TimeSpan?> idleProbe = () => null;
    private Action close = () => { };
    private int end;

    public AuthenticatedConnection(ConnectionSlots slots) => this.slots = slots;

    /// <summary>How long the connection has been idle, or null while it has work or state (or is not serving yet).</summary>
    public TimeSpan? IdleFor => this.idleProbe();

    /// <summary>Why the broker ended it, if it did.</summary>
    public ConnectionEnd End => (ConnectionEnd)Volatile.Read(ref this.end);

    /// <param name="idleFor">Null while a request is in flight or a handle is open; else the time since the last message.</param>
    public void Serve(Func<TimeSpan?> idleFor, Action closeConnection)
    {
        this.idleProbe = idleFor;
        this.close = closeConnection;
    }

    /// <summary>Closes the connection once, recording why.</summary>
    public void Close(ConnectionEnd reason)
    {
        if (Interlocked.CompareExchange(ref this.end, (int)reason, (int)ConnectionEnd.None) == (int)ConnectionEnd.None)
        {
            this.slots.Leave(this);
            this.close();
        }
    }

    public void Dispose() => this.slots.Leave(this);
}

namespace PrivSep.Broker.Hosting;

/// <summary>Why the broker itself ended an authenticated connection.</summary>
internal enum ConnectionEnd
{
    None,
    Shed,
    IdleTimeout,
}

/// <summary>
/// An authenticated connection's slot: how long it has been idle (for the idle timeout), how long it has been sheddable
/// (asked by a newcomer when every slot is taken) and how to close it.
/// </summary>
internal sealed class AuthenticatedConnection : IDisposable
{
    private readonly ConnectionSlots slots;
    private Func<TimeSpan?> idleProbe;
    private Func<TimeSpan?> sheddableProbe;
    private Action close = () => { };
    private int end;

    public AuthenticatedConnection(ConnectionSlots slots)
    {
        this.slots = slots;

        // Until it serves (a loaded host may take a while to get there) it has read no request and holds nothing: it is
        // quiet since its admission, so a newcomer sheds it rather than a later connection in its place.
        long admitted = System.Diagnostics.Stopwatch.GetTimestamp();
        this.idleProbe = this.sheddableProbe = () => System.Diagnostics.Stopwatch.GetElapsedTime(admitted);
    }

    /// <summary>How long the connection has been idle, or null while it has work or state.</summary>
    public TimeSpan? IdleFor => this.idleProbe();

    /// <summary>How long it has been quiet with nothing a shed would break, or null while it has.</summary>
    public TimeSpan? SheddableFor => this.sheddableProbe();

    /// <summary>Why the broker ended it, if it did.</summary>
    public ConnectionEnd End => (ConnectionEnd)Volatile.Read(ref this.end);

    /// <param name="idleFor">Null while a request is in flight or a handle is open; else the time since the last message.</param>
    /// <param name="sheddableFor">Null while a request is in flight or a command runs; else the time since the last message.</param>
    /// <returns>False when it was closed before it served: the caller must not start listening.</returns>
    public bool Serve(Func<TimeSpan?> idleFor, Func<TimeSpan?> sheddableFor, Action closeConnection)
    {
        this.idleProbe = idleFor;
        this.sheddableProbe = sheddableFor;

        // Full fences on both sides: a Close either sees this action, or this sees its End.
        Interlocked.Exchange(ref this.close, closeConnection);
        return this.End == ConnectionEnd.None;
    }

    /// <summary>Closes the connection once, recording why.</summary>
    public void Close(ConnectionEnd reason)
    {
        if (Interlocked.CompareExchange(ref this.end, (int)reason, (int)ConnectionEnd.None) == (int)ConnectionEnd.None)
        {
            this.slots.Leave(this);
            Volatile.Read(ref this.close)();
        }
    }

    public void Dispose() => this.slots.Leave(this);
}

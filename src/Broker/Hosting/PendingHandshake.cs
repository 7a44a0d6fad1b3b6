namespace PrivSep.Broker.Hosting;

/// <summary>A connection in its handshake: its token is cancelled when it is dropped for a newcomer (or the broker stops).</summary>
internal sealed class PendingHandshake : IDisposable
{
    private readonly ConnectionSlots slots;
    private readonly CancellationTokenSource cancel;
    private readonly long started = System.Diagnostics.Stopwatch.GetTimestamp();
    private int evicted;

    public PendingHandshake(ConnectionSlots slots, CancellationToken stopping)
    {
        this.slots = slots;
        this.cancel = CancellationTokenSource.CreateLinkedTokenSource(stopping);
    }

    public CancellationToken Token => this.cancel.Token;

    /// <summary>How long it has been in the pool (a handshake younger than <see cref="ConnectionSlots.MinHandshakeAge"/> is never dropped).</summary>
    public TimeSpan Age => System.Diagnostics.Stopwatch.GetElapsedTime(this.started);

    /// <summary>True once it was dropped to make room for a newer handshake.</summary>
    public bool Evicted => Volatile.Read(ref this.evicted) != 0;

    internal LinkedListNode<PendingHandshake>? Node { get; set; }

    /// <summary>Leaves the handshake pool (the handshake ended, either way).</summary>
    public void Dispose()
    {
        this.slots.Leave(this);
        lock (this.cancel)
        {
            this.cancel.Dispose();
        }
    }

    internal void Evict()
    {
        Volatile.Write(ref this.evicted, 1);
        lock (this.cancel)
        {
            try
            {
                this.cancel.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The handshake had already ended.
            }
        }
    }
}

using PrivSep.Broker.Service;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Broker.Session;

/// <summary>
/// Broker-side state a client holds across requests (directory enumerations), per connection: bounded by
/// limits.maxOpenHandles, freed when the client closes it, when it sits idle too long, and when the client disconnects.
/// </summary>
internal sealed class HandleTable : IDisposable
{
    private readonly object gate = new();
    private readonly Dictionary<long, Entry> entries = new();
    private readonly int maxHandles;
    private readonly TimeSpan idleTimeout;
    private readonly Timer sweeper;
    private long nextId = 1;
    private bool disposed;

    public HandleTable(int maxHandles, TimeSpan idleTimeout)
    {
        this.maxHandles = maxHandles;
        this.idleTimeout = idleTimeout;
        var period = TimeSpan.FromMilliseconds(Math.Clamp(idleTimeout.TotalMilliseconds / 4, 250, 30_000));
        this.sweeper = new Timer(_ => this.CloseIdle(), null, period, period);
    }

    /// <summary>How long a handle may go unused before the sweeper frees it.</summary>
    public TimeSpan IdleTimeout => this.idleTimeout;

    public int Count
    {
        get
        {
            lock (this.gate)
            {
                return this.entries.Count;
            }
        }
    }

    public long Add(IDisposable state)
    {
        lock (this.gate)
        {
            if (this.disposed)
            {
                state.Dispose();
                throw new ObjectDisposedException(nameof(HandleTable));
            }

            if (this.entries.Count >= this.maxHandles)
            {
                state.Dispose();
                throw new BrokerActionException(BrokerErrorCode.QuotaExceeded, $"Too many open broker handles on this connection (limits.maxOpenHandles = {this.maxHandles}); dispose enumerators you no longer need.", rule: "limits.maxOpenHandles");
            }

            long id = this.nextId++;
            this.entries.Add(id, new Entry(state) { LastUsed = Environment.TickCount64 });
            return id;
        }
    }

    /// <summary>Runs <paramref name="use"/> on the handle's state; the entry stays locked against the sweeper meanwhile.</summary>
    public T Use<TState, T>(long id, Func<TState, T> use)
        where TState : class, IDisposable
    {
        Entry entry;
        lock (this.gate)
        {
            if (!this.entries.TryGetValue(id, out entry!) || entry.State is not TState)
            {
                throw BrokerActionException.Invalid($"Handle {id} is not open on this connection (closed, expired after {this.idleTimeout.TotalSeconds:0} s idle, or never opened).");
            }

            entry.InUse++;
        }

        try
        {
            return use((TState)entry.State);
        }
        finally
        {
            lock (this.gate)
            {
                entry.InUse--;
                entry.LastUsed = Environment.TickCount64;
            }
        }
    }

    public bool Close(long id)
    {
        Entry? entry;
        lock (this.gate)
        {
            if (!this.entries.Remove(id, out entry))
            {
                return false;
            }
        }

        entry.State.Dispose();
        return true;
    }

    public void Dispose()
    {
        List<Entry> all;
        lock (this.gate)
        {
            this.disposed = true;
            all = [.. this.entries.Values];
            this.entries.Clear();
        }

        this.sweeper.Dispose();
        foreach (var entry in all)
        {
            entry.State.Dispose();
        }
    }

    private void CloseIdle()
    {
        List<Entry> idle = [];
        lock (this.gate)
        {
            long now = Environment.TickCount64;
            foreach (var (id, entry) in this.entries.ToList())
            {
                if (entry.InUse == 0 && now - entry.LastUsed > this.idleTimeout.TotalMilliseconds)
                {
                    this.entries.Remove(id);
                    idle.Add(entry);
                }
            }
        }

        foreach (var entry in idle)
        {
            entry.State.Dispose();
        }
    }

    private sealed class Entry(IDisposable state)
    {
        public IDisposable State { get; } = state;

        public long LastUsed { get; set; }

        public int InUse { get; set; }
    }
}

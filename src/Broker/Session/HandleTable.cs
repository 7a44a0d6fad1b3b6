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

    /// <summary>How many open handles hold a <typeparamref name="TState"/> (running commands, as against listings).</summary>
    public int CountOf<TState>()
    {
        lock (this.gate)
        {
            return this.entries.Values.Count(e => e.State is TState);
        }
    }

    /// <summary>Adds <paramref name="state"/>; on a closed table or a full one it is disposed and the request refused.</summary>
    public long Add(IDisposable state)
    {
        lock (this.gate)
        {
            try
            {
                this.RequireRoom();
            }
            catch
            {
                state.Dispose();
                throw;
            }

            return this.AddLocked(state);
        }
    }

    /// <summary>
    /// Runs <paramref name="start"/> (a command's spawn) under the lock <see cref="Dispose"/> takes, and adds what it
    /// returns: a closed connection is refused before anything starts, and a close that comes during the start waits
    /// for it and then stops what it started. There is no moment where a start runs for a connection that is gone.
    /// </summary>
    public long AddStarted<TState>(Func<TState> start)
        where TState : class, IDisposable
    {
        lock (this.gate)
        {
            this.RequireRoom();
            return this.AddLocked(start());
        }
    }

    /// <summary>Runs <paramref name="use"/> on the handle's state; the entry stays locked against the sweeper meanwhile.</summary>
    public T Use<TState, T>(long id, Func<TState, T> use)
        where TState : class, IDisposable
    {
        var entry = this.Acquire<TState>(id);
        try
        {
            return use((TState)entry.State);
        }
        finally
        {
            this.Release(entry);
        }
    }

    /// <summary>
    /// Runs <paramref name="use"/> on the handle's state until its task ends (a wait for a command's end): the entry stays
    /// locked against the sweeper for as long, and counts as used when it ends, so a client that keeps waiting never
    /// loses its handle to the idle timeout, however long each wait or the pause between two.
    /// </summary>
    public async Task<T> UseAsync<TState, T>(long id, Func<TState, Task<T>> use)
        where TState : class, IDisposable
    {
        var entry = this.Acquire<TState>(id);
        try
        {
            return await use((TState)entry.State).ConfigureAwait(false);
        }
        finally
        {
            this.Release(entry);
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

    private Entry Acquire<TState>(long id)
        where TState : class, IDisposable
    {
        lock (this.gate)
        {
            if (!this.entries.TryGetValue(id, out var entry) || entry.State is not TState)
            {
                throw BrokerActionException.Invalid($"Handle {id} is not open on this connection (closed, expired after {this.idleTimeout.TotalSeconds:0} s idle, or never opened).");
            }

            entry.InUse++;
            return entry;
        }
    }

    private void Release(Entry entry)
    {
        lock (this.gate)
        {
            entry.InUse--;
            entry.LastUsed = Environment.TickCount64;
        }
    }

    private void RequireRoom()
    {
        if (this.disposed)
        {
            throw new BrokerActionException(BrokerErrorCode.ConnectionClosed, "The connection closed before the request finished.");
        }

        if (this.entries.Count >= this.maxHandles)
        {
            throw new BrokerActionException(BrokerErrorCode.QuotaExceeded, $"Too many open broker handles on this connection (limits.maxOpenHandles = {this.maxHandles}); dispose enumerators you no longer need.", rule: "limits.maxOpenHandles");
        }
    }

    private long AddLocked(IDisposable state)
    {
        long id = this.nextId++;
        this.entries.Add(id, new Entry(state) { LastUsed = Environment.TickCount64 });
        return id;
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

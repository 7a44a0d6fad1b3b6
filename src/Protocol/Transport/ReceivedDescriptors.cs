using Microsoft.Win32.SafeHandles;

namespace PrivSep.Protocol.Transport;

/// <summary>
/// Descriptors that arrived as SCM_RIGHTS, numbered in arrival order. The broker numbers them in the same
/// order as it sends them, and a response names its descriptor by that number; a descriptor therefore
/// always arrives before (or with) the response that claims it. Unclaimed descriptors are bounded and closed.
/// </summary>
public sealed class ReceivedDescriptors : IDisposable
{
    /// <summary>Descriptors whose response never came (e.g. a request the client cancelled) are closed beyond this count.</summary>
    public const int MaxUnclaimed = 64;

    private readonly object gate = new();
    private readonly SortedDictionary<long, SafeFileHandle> unclaimed = new();
    private long nextSequence;
    private bool disposed;

    internal void Add(int fd)
    {
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        lock (this.gate)
        {
            if (this.disposed)
            {
                handle.Dispose();
                return;
            }

            this.unclaimed.Add(this.nextSequence++, handle);
            while (this.unclaimed.Count > MaxUnclaimed)
            {
                var oldest = this.unclaimed.First();
                this.unclaimed.Remove(oldest.Key);
                oldest.Value.Dispose();
            }
        }
    }

    /// <summary>Takes ownership of the descriptor the broker sent as number <paramref name="sequence"/>.</summary>
    public SafeFileHandle Take(long sequence)
    {
        lock (this.gate)
        {
            if (this.unclaimed.Remove(sequence, out var handle))
            {
                return handle;
            }
        }

        throw new IOException($"The PrivSep broker named descriptor #{sequence}, which did not arrive on this connection (protocol error).");
    }

    public int UnclaimedCount
    {
        get
        {
            lock (this.gate)
            {
                return this.unclaimed.Count;
            }
        }
    }

    public void Dispose()
    {
        lock (this.gate)
        {
            this.disposed = true;
            foreach (var handle in this.unclaimed.Values)
            {
                handle.Dispose();
            }

            this.unclaimed.Clear();
        }
    }
}

namespace PrivSep.Broker.Exec;

/// <summary>Counts the brokered commands running at once, over every connection, against limits.maxRunningCommands.</summary>
internal sealed class CommandSlots
{
    private int running;

    public int Running => Volatile.Read(ref this.running);

    /// <summary>Takes a slot if fewer than <paramref name="limit"/> are taken; the caller releases it exactly once.</summary>
    public bool TryTake(int limit)
    {
        while (true)
        {
            var current = Volatile.Read(ref this.running);
            if (current >= limit)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref this.running, current + 1, current) == current)
            {
                return true;
            }
        }
    }

    public void Release() => Interlocked.Decrement(ref this.running);
}

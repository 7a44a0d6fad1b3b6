namespace PrivSep.Broker.Session;

/// <summary>
/// A per-connection token bucket. A client over its rate is slowed down, not refused: with requests in
/// flight already capped, waiting bounds the work it can cause without flooding the audit log with refusals.
/// </summary>
internal sealed class RateLimiter(int requestsPerSecond)
{
    private readonly object gate = new();
    private readonly double capacity = Math.Max(1, requestsPerSecond);
    private double tokens = Math.Max(1, requestsPerSecond);
    private long lastRefill = Environment.TickCount64;

    public async ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            TimeSpan wait;
            lock (this.gate)
            {
                long now = Environment.TickCount64;
                this.tokens = Math.Min(this.capacity, this.tokens + ((now - this.lastRefill) * this.capacity / 1000.0));
                this.lastRefill = now;
                if (this.tokens >= 1)
                {
                    this.tokens -= 1;
                    return;
                }

                wait = TimeSpan.FromMilliseconds(Math.Ceiling((1 - this.tokens) * 1000.0 / this.capacity));
            }

            await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
        }
    }
}

using System.Diagnostics;
using PrivSep.Broker.Session;

namespace PrivSep.Broker.Tests.Session;

/// <summary>The token bucket behind limits.maxRequestsPerSecond and the broker's accept rate: a burst up to the rate, then waiting.</summary>
[TestClass]
public sealed class RateLimiterTests
{
    [TestMethod]
    public async Task A_burst_up_to_the_rate_passes_and_the_next_request_waits_for_a_token()
    {
        var limiter = new RateLimiter(requestsPerSecond: 10);
        var burst = Stopwatch.StartNew();
        for (int i = 0; i < 10; i++)
        {
            await limiter.WaitAsync(CancellationToken.None);
        }

        burst.Stop();
        var waited = Stopwatch.StartNew();
        await limiter.WaitAsync(CancellationToken.None);
        waited.Stop();

        // Lower bounds only: a slow machine can make the burst slower, never the refill faster.
        Assert.IsGreaterThanOrEqualTo(50, waited.ElapsedMilliseconds + burst.ElapsedMilliseconds, "the 11th request must wait for a token (about 100 ms at 10/s)");
    }

    [TestMethod]
    public async Task Waiting_for_a_token_can_be_cancelled()
    {
        var limiter = new RateLimiter(requestsPerSecond: 1);
        await limiter.WaitAsync(CancellationToken.None);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        await Assert.ThrowsAsync<OperationCanceledException>(async () => await limiter.WaitAsync(cancel.Token));
    }
}

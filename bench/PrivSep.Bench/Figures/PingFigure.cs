using System.Net.NetworkInformation;
using PrivSep.Bench.Measurement;
using PrivSep.Shim.Client;

namespace PrivSep.Bench.Figures;

/// <summary>Figure 3: ICMP echo to 127.0.0.1 (and nothing else) through the broker (the Shim's BrokeredPing) vs a direct <c>new Ping().Send</c> as root.</summary>
internal static class PingFigure
{
    private const string Loopback = "127.0.0.1";
    private const int TimeoutMilliseconds = 1000;

    public static async Task RunAsync(ResultTable table)
    {
        var payload = new byte[32];
        var samples = await Interleaved.MeasureAsync(
            warmupPerOperation: 50,
            rounds: 20,
            perRound: 50,
            TimedOperation.Sync("direct Ping.Send", () =>
            {
                using var ping = new Ping();
                Check(ping.Send(Loopback, TimeoutMilliseconds, payload).Status);
            }),
            TimedOperation.Sync("brokered ping", () => Check(BrokeredPing.Send(Loopback, TimeoutMilliseconds, payload, options: null).Status)));
        var (direct, brokered) = (samples[0], samples[1]);

        table.Add(new("3. Direct `new Ping().Send(\"127.0.0.1\")` as root (baseline)", ResultTable.Micros(direct.MedianMicroseconds), ResultTable.Micros(direct.P90Microseconds), "—", "—", "—", null));
        OpenReadFigure.AddVersus(table, "3. Brokered ping of 127.0.0.1 (Shim `BrokeredPing.Send`)", brokered, direct, target: null);
    }

    private static void Check(IPStatus status)
    {
        if (status != IPStatus.Success)
        {
            throw new InvalidOperationException($"Ping of {Loopback} returned {status}.");
        }
    }
}

using System.Diagnostics;
using System.Net.NetworkInformation;
using PrivSep.Protocol.Contracts;
using PrivSep.Shim.Client;

namespace PrivSep.Bench.Figures;

/// <summary>
/// Runs every kind of request for a few seconds before anything is timed, so that both processes have their hot paths
/// JIT-compiled at the final tier (tiered compilation and dynamic PGO promote methods in the background, after a delay)
/// and the broker has its steady-state threads. A broker in production spends its life in that state.
/// </summary>
internal static class WarmUp
{
    public static async Task RunAsync(BenchContext context, TimeSpan duration)
    {
        string path = context.Directory.SmallFile;
        var buffer = new byte[8192];
        var payload = new byte[32];
        var open = new OpenFileRequest(path, FileMode.Open, FileAccess.Read, Plugin: BenchContext.PluginName);
        var stat = new PathRequest(path, BenchContext.PluginName);
        using var ping = new Ping();
        long stopAt = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < stopAt)
        {
            for (int i = 0; i < 20; i++)
            {
                await context.Raw.RoundTripAsync().ConfigureAwait(false);
                _ = File.ReadAllBytes(path);
                var response = await context.Channel.Service.OpenFileAsync(open, CancellationToken.None).ConfigureAwait(false);
                using (var stream = new FileStream(context.Channel.Stream.Received.Take(response.DescriptorSequence), FileAccess.Read, bufferSize: 0))
                {
                    _ = stream.Read(buffer);
                }

                using (var stream = BrokeredFileSystem.OpenFile(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0))
                {
                    _ = stream.Read(buffer);
                }

                await context.Channel.Service.GetFileStatusAsync(stat, CancellationToken.None).ConfigureAwait(false);
            }

            _ = ping.Send("127.0.0.1", 1000, payload);
            _ = BrokeredPing.Send("127.0.0.1", 1000, payload, options: null);
        }
    }
}

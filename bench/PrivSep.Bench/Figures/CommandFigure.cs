using System.Diagnostics;
using PrivSep.Bench.Measurement;
using PrivSep.Protocol;
using PrivSep.Protocol.Contracts;
using PrivSep.Shim.Replacements;

namespace PrivSep.Bench.Figures;

/// <summary>
/// Figure 6: brokered commands (issue 6). Start-to-exit of <c>/usr/bin/true</c> and 64 MiB of output from
/// <c>head -c 67108864 /dev/zero</c>, through the broker (exec.start, the three relayed pipes read to their end,
/// exec.wait), and through the Shim's <c>Process.Start</c> (exec.check, then privsep-relay started in the command's
/// place: what a plugin sees), against the same command started locally with <see cref="Process"/> as root, in the
/// same run.
/// </summary>
internal static class CommandFigure
{
    private const int LargeOutputBytes = 64 * 1024 * 1024;

    public static async Task RunAsync(BenchContext context, ResultTable table)
    {
        var channel = context.Channel;
        var startExit = await Interleaved.MeasureAsync(
            warmupPerOperation: 20,
            rounds: 10,
            perRound: 20,
            new TimedOperation("local Process.Start(/usr/bin/true)", async () => await RunLocallyAsync("/usr/bin/true", []).ConfigureAwait(false)),
            new TimedOperation("brokered /usr/bin/true", async () => await RunBrokeredAsync(channel, "/usr/bin/true", []).ConfigureAwait(false)),
            new TimedOperation("Shim Process.Start(/usr/bin/true)", async () => await RunThroughShimAsync("/usr/bin/true", []).ConfigureAwait(false)));
        table.Add(new("6. Local `Process.Start(\"/usr/bin/true\")` + exit, as root (baseline)", ResultTable.Micros(startExit[0].MedianMicroseconds), ResultTable.Micros(startExit[0].P90Microseconds), "—", "—", "—", null));
        OpenReadFigure.AddVersus(table, "6. Brokered `/usr/bin/true`: exec.start + relayed stdio to EOF + exec.wait", startExit[1], startExit[0], target: null);
        OpenReadFigure.AddVersus(table, "6. Shim `Process.Start(\"/usr/bin/true\")`: exec.check + privsep-relay (a .NET process) + the above", startExit[2], startExit[0], target: null);

        string[] large = ["-c", LargeOutputBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), "/dev/zero"];
        var throughput = await Interleaved.MeasureAsync(
            warmupPerOperation: 2,
            rounds: 5,
            perRound: 4,
            new TimedOperation("local head 64 MiB", async () => Expect(await RunLocallyAsync("/usr/bin/head", large).ConfigureAwait(false))),
            new TimedOperation("brokered head 64 MiB", async () => Expect(await RunBrokeredAsync(channel, "/usr/bin/head", large).ConfigureAwait(false))),
            new TimedOperation("Shim head 64 MiB", async () => Expect(await RunThroughShimAsync("/usr/bin/head", large).ConfigureAwait(false))));
        table.Add(new("6. Local `head -c 64MiB /dev/zero`, output read to EOF (baseline)", ResultTable.Micros(throughput[0].MedianMicroseconds), ResultTable.Micros(throughput[0].P90Microseconds), "—", "—", "—", null));
        OpenReadFigure.AddVersus(table, "6. Brokered `head -c 64MiB /dev/zero`, relayed output read to EOF", throughput[1], throughput[0], target: null);
        OpenReadFigure.AddVersus(table, "6. Shim `Process.Start` of the same, through privsep-relay, read to EOF", throughput[2], throughput[0], target: null);
        table.Diagnostic(
            "6. Output throughput, local / brokered / through the Shim and relay (MiB/s, medians)",
            $"{MebibytesPerSecond(throughput[0])} / {MebibytesPerSecond(throughput[1])} / {MebibytesPerSecond(throughput[2])}");
    }

    private static string MebibytesPerSecond(Samples samples) => $"{64 / (samples.MedianMicroseconds / 1e6):0}";

    private static void Expect(long bytes)
    {
        if (bytes != LargeOutputBytes)
        {
            throw new InvalidOperationException($"expected {LargeOutputBytes} bytes of output, got {bytes}");
        }
    }

    private static Task<long> RunLocallyAsync(string path, string[] arguments) =>
        ReadToExitAsync(Process.Start(Redirected(path, arguments))!, path);

    /// <summary>What a rewritten plugin's <c>Process.Start(ProcessStartInfo)</c> runs.</summary>
    private static Task<long> RunThroughShimAsync(string path, string[] arguments) =>
        ReadToExitAsync(ProcessShims.Start(Redirected(path, arguments))!, path);

    private static ProcessStartInfo Redirected(string path, string[] arguments) =>
        new(path, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };

    private static async Task<long> ReadToExitAsync(Process started, string path)
    {
        using var process = started;
        process.StandardInput.Close();
        var errors = process.StandardError.BaseStream.CopyToAsync(Stream.Null);
        var bytes = await CountAsync(process.StandardOutput.BaseStream).ConfigureAwait(false);
        await errors.ConfigureAwait(false);
        await process.WaitForExitAsync().ConfigureAwait(false);
        return process.ExitCode == 0 ? bytes : throw new InvalidOperationException($"{path} exited {process.ExitCode}");
    }

    private static async Task<long> RunBrokeredAsync(BrokerChannel channel, string path, string[] arguments)
    {
        var started = await channel.Service.StartCommandAsync(new ExecRequest(path, arguments, BenchContext.PluginName), CancellationToken.None).ConfigureAwait(false);
        channel.Stream.Received.Take(started.StdinDescriptor).Dispose();
        await using var stdout = new FileStream(channel.Stream.Received.Take(started.StdoutDescriptor), FileAccess.Read, bufferSize: 0);
        await using var stderr = new FileStream(channel.Stream.Received.Take(started.StderrDescriptor), FileAccess.Read, bufferSize: 0);
        var errors = stderr.CopyToAsync(Stream.Null);
        var bytes = await CountAsync(stdout).ConfigureAwait(false);
        await errors.ConfigureAwait(false);
        while (true)
        {
            var end = await channel.Service.WaitCommandAsync(new ExecWaitRequest(started.Handle, ExecLimits.MaxWaitMilliseconds), CancellationToken.None).ConfigureAwait(false);
            if (end.Exited)
            {
                return end.ExitCode == 0 ? bytes : throw new InvalidOperationException($"{path} exited {end.ExitCode}");
            }
        }
    }

    private static async Task<long> CountAsync(Stream stream)
    {
        var buffer = new byte[64 * 1024];
        long total = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            total += read;
        }

        return total;
    }
}

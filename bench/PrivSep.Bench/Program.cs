using System.Runtime.InteropServices;
using PrivSep.Bench.Echo;
using PrivSep.Bench.Figures;
using PrivSep.Bench.Measurement;
using PrivSep.Bench.Setup;
using PrivSep.Protocol;
using PrivSep.Protocol.Handshake;
using PrivSep.Shim;

// privsep-bench: the figures of docs/benchmarks.md in one run, as medians, p90s and ratios against baselines measured
// in the same run. Usage: PrivSep.Bench [--markdown FILE] [--broker-env NAME=VALUE]...   (as root)
//                         PrivSep.Bench echo-server SOCKET   (the raw baseline's far end; the harness starts it)
if (args is ["echo-server", var echoSocket])
{
    return await EchoServer.RunAsync(echoSocket);
}

string? markdownPath = null;
var brokerEnvironment = new List<KeyValuePair<string, string>>();
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--markdown" when i + 1 < args.Length:
            markdownPath = args[++i];
            break;
        case "--broker-env" when i + 1 < args.Length && args[i + 1].IndexOf('=', StringComparison.Ordinal) > 0:
            var setting = args[++i];
            int equals = setting.IndexOf('=', StringComparison.Ordinal);
            brokerEnvironment.Add(new(setting[..equals], setting[(equals + 1)..]));
            break;
        default:
            Console.Error.WriteLine("""
                usage: PrivSep.Bench [--markdown FILE] [--broker-env NAME=VALUE]...
                  --markdown FILE          also write the report to FILE
                  --broker-env NAME=VALUE  set an environment variable for the broker process only (experiments,
                                           e.g. DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0); repeatable
                Run as root; see docs/benchmarks.md.
                """);
            return 64;
    }
}

if (!Environment.IsPrivilegedProcess)
{
    Console.Error.WriteLine("privsep-bench: must run as root. It starts privsep-broker, which serves root-only (0600) files, and compares against direct opens and pings as root. Run: sudo dotnet run -c Release --project bench/PrivSep.Bench");
    return 2;
}

var started = DateTime.UtcNow;
var table = new ResultTable();
using var directory = BenchDirectory.Create();
Progress($"working directory {directory.Root}");
using var echo = EchoServerProcess.Start(directory.EchoSocket);
using var broker = BrokerProcess.Start(directory, brokerEnvironment);
Progress($"privsep-broker pid {broker.Pid} listening on {directory.BrokerSocket}");

// Ctrl-C or SIGTERM mid-run: stop both children and remove the temporary directory before exiting (finally blocks
// do not run when the runtime exits on a signal). Whichever of the signal handler and the normal end claims the
// shutdown first does the cleanup; the other waits for it.
var shutdown = new ShutdownClaim();
using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Interrupted);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Interrupted);
try
{
    // Let the runtime finish its start-up work (tiered JIT, GC) before reading the idle footprint.
    await Task.Delay(1000);
    MemoryFigure.AddIdle(table, broker.Pid);

    var secret = new SharedSecret(directory.Secret);
    using var raw = await RawEchoClient.ConnectAsync(directory.EchoSocket, payloadBytes: 256);
    using var channel = await BrokerChannel.ConnectAsync(directory.BrokerSocket, secret, BenchContext.ConnectTimeout);
    ShimSettings.Current = new ShimSettings { SocketPath = directory.BrokerSocket, SecretFilePath = directory.SecretPath, RouteAllCallsToBroker = true, RelayPath = Path.Combine(AppContext.BaseDirectory, "privsep-relay.dll") };
    var context = new BenchContext(directory, broker, secret, channel, raw, echo.Pid);
    var runStart = CpuSnapshot.Take(broker.Pid);

    Progress("warm-up (3 s)");
    await WarmUp.RunAsync(context, TimeSpan.FromSeconds(3));
    Progress("1/5 open + read of a 4 KiB file");
    var (rawRoundTrip, sequentialStat) = await OpenReadFigure.RunAsync(context, table);
    Progress("2/5 64 MiB read throughput");
    File.ReadAllBytes(directory.LargeFile); // warm the page cache
    await ThroughputFigure.RunAsync(context, table);
    Progress("3/5 ping 127.0.0.1");
    await PingFigure.RunAsync(table);
    Progress("4/5 request rate, 1 and 16 clients (2 × 6 s)");
    await RequestRateFigure.RunAsync(context, rawRoundTrip, sequentialStat, table);
    Progress("diagnostics: round-trip anatomy, audit append cost");
    await RoundTripAnatomy.RunAsync(context, table);
    await RoundTripAnatomy.RunIdleGapAsync(context, table);
    await AuditAppendFigure.RunAsync(context, table);
    var whole = CpuSnapshot.Take(broker.Pid).Since(runStart);
    table.Diagnostic("CPU over the whole run (load average at the end: " + File.ReadAllText("/proc/loadavg").Split(' ')[0] + ")", whole.Describe());
    if (whole.Percent(whole.Others) > 10)
    {
        table.QuietMachineWarning = $"other processes used {whole.Percent(whole.Others):0} % of the CPU during the run; the figures are disturbed, run again on a quiet machine.";
    }

    // Last, and outside the quiet-machine check above: the commands and relays it starts are "other processes".
    Progress("5/5 brokered commands (figure 6): /usr/bin/true and 64 MiB of output");
    await CommandFigure.RunAsync(context, table);
}
catch (Exception) when (shutdown.ClaimedBySignal)
{
    // The broker vanished under a figure because a signal handler is stopping everything; it exits the process.
    Thread.Sleep(Timeout.Infinite);
}
catch (Exception)
{
    Console.Error.WriteLine($"privsep-bench: the run failed. privsep-broker's log:\n{broker.Log}");
    throw;
}

if (!shutdown.TryClaim(bySignal: false))
{
    Thread.Sleep(Timeout.Infinite);
}

int brokerExit = broker.Stop();
if (brokerExit != 0)
{
    Console.Error.WriteLine($"privsep-bench: privsep-broker exited with {brokerExit}. Its log:\n{broker.Log}");
}

var elapsed = DateTime.UtcNow - started;
if (table.QuietMachineWarning is { } warning)
{
    Console.Error.WriteLine($"privsep-bench: warning: {warning}");
}

string report = $"""
    PrivSep benchmark, {started:yyyy-MM-dd HH:mm} UTC: {Environment.ProcessorCount} cores, {Kernel()}, {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}; run took {elapsed.TotalSeconds:0} s.
    {(brokerEnvironment.Count == 0 ? "" : "Broker environment for this run: " + string.Join(", ", brokerEnvironment.Select(e => $"{e.Key}={e.Value}")) + "\n")}Broker limits raised for the run: maxConnections 64, maxRequestsPerSecond 1,000,000 per connection (defaults 16 and 5,000).
    Every brokered request writes and flushes one hash-chained audit line before it answers (audit log on {FileSystemOf(directory.AuditLog)}).

    {table.ToMarkdown()}
    """;
Console.WriteLine(report);
if (markdownPath is not null)
{
    File.WriteAllText(markdownPath, report);
}

return 0;

void Interrupted(PosixSignalContext signal)
{
    signal.Cancel = true;
    if (!shutdown.TryClaim(bySignal: true))
    {
        return; // The run has finished and is cleaning up already.
    }

    Progress($"{signal.Signal}: stopping privsep-broker and the echo server, removing {directory.Root}");
    foreach (var cleanup in new IDisposable[] { broker, echo, directory })
    {
        try
        {
            cleanup.Dispose();
        }
        catch (Exception ex)
        {
            Progress($"cleanup after {signal.Signal}: {ex.GetType().Name}: {ex.Message}");
        }
    }

    Environment.Exit(130);
}

static void Progress(string message) => Console.Error.WriteLine($"privsep-bench: {message}");

static string Kernel() => "Linux " + File.ReadAllText("/proc/sys/kernel/osrelease").Trim();

// The mount that holds the path, from /proc/self/mounts (longest matching mount point wins).
static string FileSystemOf(string path)
{
    var best = (Point: "", Type: "unknown");
    foreach (var line in File.ReadLines("/proc/self/mounts"))
    {
        var fields = line.Split(' ');
        if (fields.Length > 2 && (path.StartsWith(fields[1].TrimEnd('/') + "/", StringComparison.Ordinal) || fields[1] == "/") && fields[1].Length >= best.Point.Length)
        {
            best = (fields[1], fields[2]);
        }
    }

    return $"{best.Type} at {best.Point}";
}

/// <summary>Decides once whether the normal end of the run or a signal handler stops the children and cleans up.</summary>
internal sealed class ShutdownClaim
{
    private int claim; // 0 unclaimed, 1 by the normal end, 2 by a signal

    public bool ClaimedBySignal => Volatile.Read(ref this.claim) == 2;

    public bool TryClaim(bool bySignal) => Interlocked.CompareExchange(ref this.claim, bySignal ? 2 : 1, 0) == 0;
}

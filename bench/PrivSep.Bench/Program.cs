using System.Diagnostics;
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
try
{
    // Let the runtime finish its start-up work (tiered JIT, GC) before reading the idle footprint.
    await Task.Delay(1000);
    MemoryFigure.AddIdle(table, broker.Pid);

    var secret = new SharedSecret(directory.Secret);
    using var raw = await RawEchoClient.ConnectAsync(directory.EchoSocket, payloadBytes: 256);
    using var channel = await BrokerChannel.ConnectAsync(directory.BrokerSocket, secret, BenchContext.ConnectTimeout);
    ShimSettings.Current = new ShimSettings { SocketPath = directory.BrokerSocket, SecretFilePath = directory.SecretPath, RouteAllCallsToBroker = true };
    var context = new BenchContext(directory, broker, secret, channel, raw);
    var runStart = CpuSnapshot.Take(broker.Pid);

    Progress("1/5 open + read of a 4 KiB file");
    var (rawRoundTrip, sequentialStat) = await OpenReadFigure.RunAsync(context, table);
    Progress("2/5 64 MiB read throughput");
    File.ReadAllBytes(directory.LargeFile); // warm the page cache
    await ThroughputFigure.RunAsync(context, table);
    Progress("3/5 ping 127.0.0.1");
    await PingFigure.RunAsync(table);
    Progress("4/5 request rate, 1 and 16 clients (2 × 6 s)");
    await RequestRateFigure.RunAsync(context, rawRoundTrip, sequentialStat, table);
    Progress("5/5 audit append cost (diagnostic)");
    await AuditAppendFigure.RunAsync(context, table);
    var whole = CpuSnapshot.Take(broker.Pid).Since(runStart);
    table.Diagnostic("CPU over the whole run (load average at the end: " + File.ReadAllText("/proc/loadavg").Split(' ')[0] + ")", whole.Describe());
    if (whole.Percent(whole.Others) > 10)
    {
        table.QuietMachineWarning = $"other processes used {whole.Percent(whole.Others):0} % of the CPU during the run; the figures are disturbed, run again on a quiet machine.";
    }
}
finally
{
    int exit = broker.Stop();
    if (exit != 0)
    {
        Console.Error.WriteLine($"privsep-bench: privsep-broker exited with {exit}. Its log:\n{broker.Log}");
    }
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

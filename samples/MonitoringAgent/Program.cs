using System.Runtime.InteropServices;
using MonitoringAgent;
using MonitoringAgent.Contracts;
using PrivSep.Shim;
using PrivSep.Shim.Client;

AgentOptions options;
try
{
    options = AgentOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"agent: {e.Message}\n{AgentOptions.Usage}");
    return 2;
}

IReadOnlyList<LoadedPlugin> plugins;
try
{
    plugins = PluginLoader.Load(options.PluginDirectory, options.PublicKeyPath, Console.Error);
}
catch (PluginFolderRejectedException e)
{
    Console.Error.WriteLine($"agent: {e.Message}");
    return 1;
}

if (plugins.Count == 0)
{
    Console.Error.WriteLine($"agent: no IMonitoringPlugin implementation found in {options.PluginDirectory}");
    return 1;
}

Console.Error.WriteLine($"agent: running as uid {GetUid()}; plugins: {string.Join(", ", plugins.Select(p => $"{p.Plugin.Name} ({p.AssemblyFile})"))}");
var results = new List<RoundResult>();

// A service is stopped with SIGTERM: finish the round in progress, then leave cleanly.
using var stopping = new CancellationTokenSource();
using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
for (int round = 1; (options.RunsUntilStopped || round <= options.Rounds) && !stopping.IsCancellationRequested; round++)
{
    foreach (var loaded in plugins)
    {
        // Names the plugin in the broker's audit log for every request made during its checks.
        using (PluginIdentity.Use(loaded.Plugin.Name))
        {
            try
            {
                foreach (CheckResult result in loaded.Plugin.RunChecks())
                {
                    if (options.Table)
                    {
                        results.Add(new RoundResult(round, loaded.Plugin.Name, result));
                    }
                    else
                    {
                        Console.WriteLine($"[round {round}] {loaded.Plugin.Name}: {result.Action}: {(result.Ok ? "ok" : "FAILED")}: {(result.Ok ? result.Detail : $"{result.ErrorType}: {result.ErrorMessage}")}");
                    }
                }
            }
            catch (Exception e)
            {
                var failure = CheckResult.Failure("RunChecks", e);
                if (options.Table)
                {
                    results.Add(new RoundResult(round, loaded.Plugin.Name, failure));
                }
                else
                {
                    Console.WriteLine($"[round {round}] {loaded.Plugin.Name}: RunChecks: FAILED: {failure.ErrorType}: {failure.ErrorMessage}");
                }
            }
        }
    }

    Console.Error.WriteLine($"agent: round {round} done");
    if (options.RunsUntilStopped || round < options.Rounds)
    {
        stopping.Token.WaitHandle.WaitOne(options.IntervalMilliseconds);
    }
}

if (options.Table)
{
    OutcomeTable.Print(results, ShimSettings.Current.RouteAllCallsToBroker, Console.Out);
}

foreach (var disposable in plugins.Select(p => p.Plugin).OfType<IDisposable>())
{
    disposable.Dispose();
}

return 0;

static string GetUid()
{
    string? line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal));
    return line?.Split('\t', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(1) ?? "?";
}

void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    Console.Error.WriteLine($"agent: {context.Signal} received, stopping after this round");
    stopping.Cancel();
}

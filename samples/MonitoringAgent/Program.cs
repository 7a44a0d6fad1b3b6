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
for (int round = 1; round <= options.Rounds; round++)
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
                    results.Add(new RoundResult(round, loaded.Plugin.Name, result));
                    if (!options.Table)
                    {
                        Console.WriteLine($"[round {round}] {loaded.Plugin.Name}: {result.Action}: {(result.Ok ? "ok" : "FAILED")}: {(result.Ok ? result.Detail : $"{result.ErrorType}: {result.ErrorMessage}")}");
                    }
                }
            }
            catch (Exception e)
            {
                results.Add(new RoundResult(round, loaded.Plugin.Name, CheckResult.Failure("RunChecks", e)));
            }
        }
    }

    Console.Error.WriteLine($"agent: round {round} done");
    if (round < options.Rounds)
    {
        Thread.Sleep(options.IntervalMilliseconds);
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

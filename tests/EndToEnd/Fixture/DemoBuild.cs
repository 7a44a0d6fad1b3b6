using System.Diagnostics;

namespace PrivSep.EndToEnd.Tests.Fixture;

/// <summary>What one run of a script or program printed and returned.</summary>
internal sealed record ProcessOutcome(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {this.ExitCode}\nstdout:\n{this.Output}\nstderr:\n{this.Error}";
}

/// <summary>
/// The sample monitoring agent and plugins (samples/), built once per test run in Release into a private artifacts folder
/// (so the demo script under test and the tests share one build and never touch the checkout's ./artifacts).
/// </summary>
internal static class DemoBuild
{
    private static readonly Lazy<string> Built = new(Build);

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The private artifacts folder (its bin/ holds MonitoringAgent/release, PingCheck/release, …).</summary>
    public static string ArtifactsPath { get; } = Path.Combine(Path.GetTempPath(), $"privsep-demo-tests-{Environment.ProcessId}");

    public static string EnsureBuilt() => Built.Value;

    public static string Output(string project) => Path.Combine(ArtifactsPath, "bin", project, "release");

    public static ProcessOutcome Run(string file, IEnumerable<string> arguments, IDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepositoryRoot };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEndAsync();
        TimeSpan limit = timeout ?? TimeSpan.FromMinutes(5);
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', arguments)} did not finish within {limit}.\nstdout so far:\n{output.Result}");
        }

        process.WaitForExit();
        return new ProcessOutcome(process.ExitCode, output.Result, error.Result);
    }

    private static string Build()
    {
        string[] projects =
        [
            "samples/MonitoringAgent.Contracts/MonitoringAgent.Contracts.csproj",
            "samples/MonitoringAgent/MonitoringAgent.csproj",
            "samples/Plugins/Plugins.slnx",
        ];
        foreach (string project in projects)
        {
            var result = Run(DotnetHost.Path, ["build", Path.Combine(RepositoryRoot, project), "-c", "Release", "-nologo", "-v", "quiet", "-clp:ErrorsOnly", $"-p:ArtifactsPath={ArtifactsPath}"], timeout: TimeSpan.FromMinutes(10));
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException($"dotnet build {project} failed:\n{result}");
            }
        }

        return ArtifactsPath;
    }

    /// <summary>Above the test's output (./artifacts), else above the working directory, else above this source file (a private ArtifactsPath).</summary>
    private static string FindRepositoryRoot([System.Runtime.CompilerServices.CallerFilePath] string sourceFile = "")
    {
        string[] starts = [AppContext.BaseDirectory, Environment.CurrentDirectory, Path.GetDirectoryName(sourceFile) ?? string.Empty];
        foreach (string start in starts.Where(s => s.Length > 0 && Directory.Exists(s)))
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "PrivSep.sln")) && File.Exists(Path.Combine(directory.FullName, "scripts", "demo.sh")))
                {
                    return directory.FullName;
                }
            }
        }

        throw new DirectoryNotFoundException($"No PrivSep checkout (PrivSep.sln and scripts/demo.sh) above {string.Join(", ", starts)}.");
    }
}

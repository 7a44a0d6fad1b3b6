using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace PrivSep.Rewriter.Tests.Infrastructure;

/// <summary>
/// Runs the real <c>dotnet</c> SDK on a one-project folder isolated from the repository's build settings: for what
/// Roslyn alone cannot produce (ReadyToRun images, the SDK's own <c>.deps.json</c>).
/// </summary>
internal static class DotnetBuild
{
    /// <summary>A fresh folder under the temp folder holding the project and its one source file; returns it.</summary>
    public static string CreateIsolatedProject(string purpose, string assemblyName, string projectXml, string source)
    {
        string work = Path.Combine(Path.GetTempPath(), purpose, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);

        // Empty Directory.Build.* files stop MSBuild from picking up any props of the folders above the temp folder.
        File.WriteAllText(Path.Combine(work, "Directory.Build.props"), "<Project />");
        File.WriteAllText(Path.Combine(work, "Directory.Build.targets"), "<Project />");
        File.WriteAllText(Path.Combine(work, "Directory.Packages.props"), "<Project />");
        File.WriteAllText(Path.Combine(work, assemblyName + ".csproj"), projectXml);
        File.WriteAllText(Path.Combine(work, assemblyName + ".cs"), source);
        return work;
    }

    public static (int ExitCode, string Log) Run(string workingDirectory, TimeSpan timeout, params string[] arguments)
    {
        var start = new ProcessStartInfo(DotnetPath())
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // `dotnet test` runs us under MSBuild-set variables that would point the nested build at the outer one's MSBuild.
        foreach (string name in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || k is "DOTNET_HOST_PATH" or "VSTEST_HOST_DEBUG").ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var log = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            lock (log)
            {
                return (-1, $"timed out after {timeout.TotalMinutes} minutes (a NuGet restore that hangs?){Environment.NewLine}{log}");
            }
        }

        process.WaitForExit();
        lock (log)
        {
            return (process.ExitCode, log.ToString());
        }
    }

    public static string Tail(string log)
    {
        string[] lines = log.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return string.Join('\n', lines.Skip(Math.Max(0, lines.Length - 30)));
    }

    /// <summary>The dotnet host of the runtime running the tests: &lt;root&gt;/shared/Microsoft.NETCore.App/&lt;version&gt;/ is three levels below it.</summary>
    private static string DotnetPath()
    {
        string runtime = RuntimeEnvironment.GetRuntimeDirectory().TrimEnd(Path.DirectorySeparatorChar);
        string candidate = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(runtime)!)!)!, "dotnet");
        return File.Exists(candidate) ? candidate : "dotnet";
    }
}

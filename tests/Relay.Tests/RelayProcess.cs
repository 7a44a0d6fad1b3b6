using System.Diagnostics;

namespace PrivSep.Relay.Tests;

/// <summary>The built privsep-relay.dll (copied beside the tests by the project reference), run as a process of its own.</summary>
internal static class RelayProcess
{
    public static string DllPath => Path.Combine(AppContext.BaseDirectory, "privsep-relay.dll");

    /// <summary>The dotnet muxer running these tests, so the relay (and the broker) use the same runtime.</summary>
    public static string DotnetHost => PrivSep.Broker.Tests.Harness.DotnetHost.Path;

    /// <summary>Runs the relay to its end with <paramref name="environment"/> added to this process's, and no stdin.</summary>
    public static (int ExitCode, string Stdout, string Stderr) Run(IEnumerable<string> args, IReadOnlyDictionary<string, string?> environment) =>
        Finish(Start(args, environment));

    /// <summary>Starts the relay with <paramref name="environment"/> added to this process's, its stdin closed and its output redirected.</summary>
    public static Process Start(IEnumerable<string> args, IReadOnlyDictionary<string, string?> environment)
    {
        var start = new ProcessStartInfo(DotnetHost)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(DllPath);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start)!;
        process.StandardInput.Close();
        return process;
    }

    /// <summary>
    /// The relay as the agent's child that shares the agent's stdin: a shell, given <paramref name="input"/> on its
    /// stdin, runs the relay, says how it exited, then counts the bytes of the input left for the next reader of that
    /// stdin (<c>wc -c</c>). Returns the shell's stdout: the command's output, "relay exit N", the count.
    /// </summary>
    public static (string Stdout, string Stderr) RunSharingStdin(IEnumerable<string> args, IReadOnlyDictionary<string, string?> environment, string input)
    {
        var start = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string arg in new[] { "-c", "\"$@\"; echo \"relay exit $?\"; exec /usr/bin/wc -c", "sh", DotnetHost, DllPath }.Concat(args))
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start)!;
        process.StandardInput.Write(input);
        process.StandardInput.Close();
        var (exitCode, stdout, stderr) = Finish(process);
        Assert.AreEqual(0, exitCode, stderr);
        return (stdout, stderr);
    }

    /// <summary>Reads the relay's output to its end and waits for it to exit; disposes the process.</summary>
    public static (int ExitCode, string Stdout, string Stderr) Finish(Process process)
    {
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            string stderr = process.StandardError.ReadToEnd();
            if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                process.Kill();
                throw new TimeoutException("privsep-relay did not end within 30 s. Its stderr: " + stderr);
            }

            return (process.ExitCode, stdout.Result, stderr);
        }
    }
}

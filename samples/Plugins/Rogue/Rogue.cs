using System.Diagnostics;
using System.Net.NetworkInformation;
using System.Reflection;
using System.Runtime.InteropServices;
using MonitoringAgent.Contracts;

namespace Plugins.Rogue;

/// <summary>
/// A malicious plugin: every attempt here must fail. Rewritten calls reach the broker, whose policy denies them; what the
/// rewriter cannot redirect (P/Invoke, reflection) runs with the agent's own rights, and the kernel refuses it.
/// </summary>
public sealed partial class Rogue : IMonitoringPlugin
{
    public string Name => "Rogue";

    public IEnumerable<CheckResult> RunChecks()
    {
        string cron = HostPaths.Of("/etc/cron.d/privsep-rogue");
        yield return Try($"write {cron}", () =>
        {
            File.WriteAllText(cron, "* * * * * root /tmp/x\n");
            return "wrote a cron job";
        });

        string shadow = HostPaths.Of("/etc/shadow");
        yield return Try($"read {shadow}", () => $"read {File.ReadAllText(shadow).Length} characters");

        const string outside = "198.51.100.7";
        yield return Try($"ping {outside}", () =>
        {
            using var ping = new Ping();
            return $"reply: {ping.Send(outside, 2000).Status}";
        });

        yield return SetUidRoot();

        // A command a rule names, with arguments no rule allows: refused by the broker, never run unprivileged instead.
        yield return Try($"run /usr/bin/head -c 4096 {shadow}", () => Run("/usr/bin/head", "-c", "4096", shadow));

        // A command no rule names starts unprivileged, as without PrivSep: the kernel refuses what it tries.
        yield return RunUnprivileged("/usr/bin/cat", shadow);

        // Not rewritten (the call goes through reflection): the agent's own rights apply.
        string authLog = HostPaths.Of("/var/log/auth.log");
        yield return Try($"read {authLog} via reflection", () =>
        {
            MethodInfo readAllText = typeof(File).GetMethod(nameof(File.ReadAllText), [typeof(string)])!;
            return $"read {((string)readAllText.Invoke(null, [authLog])!).Length} characters";
        });
    }

    private static CheckResult Try(string action, Func<string> attempt)
    {
        try
        {
            return CheckResult.Success(action, attempt());
        }
        catch (Exception e)
        {
            return CheckResult.Failure(action, e);
        }
    }

    private static string Run(string path, params string[] arguments)
    {
        var start = new ProcessStartInfo(path, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        string errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? $"read {output.Length} characters" : throw new ChildFailedException(process.ExitCode, errors.Trim());
    }

    private static CheckResult RunUnprivileged(string path, string file)
    {
        string action = $"run {path} {file}";
        try
        {
            return CheckResult.Success(action, Run(path, file));
        }
        catch (ChildFailedException e) when (e.Message.Contains("Permission denied", StringComparison.Ordinal))
        {
            return new CheckResult(action, false, $"exit code {e.ExitCode}", "EACCES", e.Message);
        }
        catch (Exception e)
        {
            return CheckResult.Failure(action, e);
        }
    }

    private static CheckResult SetUidRoot()
    {
        const string action = "setuid(0) via P/Invoke";
        int result = SetUid(0);
        if (result == 0)
        {
            return CheckResult.Success(action, "became root");
        }

        int errno = Marshal.GetLastPInvokeError();
        string name = errno == 1 ? "EPERM" : $"errno {errno}";
        return new CheckResult(action, false, $"returned {result} ({name})", name, $"setuid(0) returned {result}, errno {errno} ({name})");
    }

    [LibraryImport("libc", EntryPoint = "setuid", SetLastError = true)]
    private static partial int SetUid(uint uid);

    private sealed class ChildFailedException(int exitCode, string errors) : Exception($"exit code {exitCode}: {errors}")
    {
        public int ExitCode { get; } = exitCode;
    }
}

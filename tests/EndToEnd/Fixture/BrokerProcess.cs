using System.Diagnostics;
using System.Text;

namespace PrivSep.EndToEnd.Tests.Fixture;

/// <summary>The real privsep-broker executable, started as root (this process), stopped with SIGTERM.</summary>
internal sealed class BrokerProcess : IDisposable
{
    private readonly Process process;
    private readonly StringBuilder log = new();
    private readonly TaskCompletionSource listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private BrokerProcess(Process process)
    {
        this.process = process;
    }

    public int Pid => this.process.Id;

    public string Log
    {
        get
        {
            lock (this.log)
            {
                return this.log.ToString();
            }
        }
    }

    /// <summary>Starts the broker expecting it to refuse to start; returns its exit code and everything it logged.</summary>
    public static (int ExitCode, string Log) RunExpectingRefusal(Deployment deployment)
    {
        using var process = Process.Start(StartInfo(deployment))!;
        var output = process.StandardOutput.ReadToEndAsync();
        string errors = process.StandardError.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("The broker was expected to refuse to start, but it kept running.");
        }

        return (process.ExitCode, output.Result + errors);
    }

    public static BrokerProcess Start(Deployment deployment)
    {
        var broker = new BrokerProcess(Process.Start(StartInfo(deployment))!);
        broker.process.ErrorDataReceived += (_, e) => broker.OnLine(e.Data);
        broker.process.OutputDataReceived += (_, e) => broker.OnLine(e.Data);
        broker.process.BeginErrorReadLine();
        broker.process.BeginOutputReadLine();
        if (!broker.listening.Task.Wait(TimeSpan.FromSeconds(30)))
        {
            broker.Dispose();
            throw new TimeoutException("The broker did not log 'listening on' within 30 s. Its log:\n" + broker.Log);
        }

        return broker;
    }

    private static ProcessStartInfo StartInfo(Deployment deployment)
    {
        var start = new ProcessStartInfo(DotnetHost.Path) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[]
        {
            Path.Combine(deployment.Binaries, "privsep-broker.dll"),
            "--policy", deployment.PolicyPath, "--socket", deployment.SocketPath,
            "--secret-file", deployment.SecretPath, "--audit-log", deployment.AuditPath,
        })
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    /// <summary>How many descriptors the broker process holds: the kernel's count of its broker-side state.</summary>
    public int OpenDescriptorCount() => Directory.GetFiles($"/proc/{this.process.Id}/fd").Length;

    /// <summary>Asks the broker to reload its policy, and waits for the log line that says how it went.</summary>
    public string Reload()
    {
        int before = this.Log.Length;
        TestUser.Run("kill", "-HUP", this.process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            string added = this.Log[before..];
            if (added.Contains("SIGHUP", StringComparison.Ordinal))
            {
                return added;
            }

            Thread.Sleep(50);
        }

        throw new TimeoutException("The broker logged nothing about SIGHUP within 15 s. Log:\n" + this.Log);
    }

    public int Stop()
    {
        if (!this.process.HasExited)
        {
            TestUser.Run("kill", "-TERM", this.process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (!this.process.WaitForExit(TimeSpan.FromSeconds(15)))
            {
                this.process.Kill(entireProcessTree: true);
                this.process.WaitForExit();
            }
        }

        return this.process.ExitCode;
    }

    public void Dispose()
    {
        this.Stop();
        this.process.Dispose();
    }

    /// <summary>At the end of a test class: stops the broker and checks it stopped cleanly (exit 0 on SIGTERM).</summary>
    public void StopExpectingCleanExit()
    {
        int exit = this.Stop();
        this.Dispose();
        Assert.AreEqual(0, exit, "the broker exits 0 on SIGTERM. Log:\n" + this.Log);
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (this.log)
        {
            this.log.AppendLine(line);
        }

        if (line.Contains("listening on", StringComparison.Ordinal))
        {
            this.listening.TrySetResult();
        }
    }
}

using System.Diagnostics;
using System.Text;

namespace PrivSep.Bench.Setup;

/// <summary>The real privsep-broker, started from the build output as a separate root process and stopped with SIGTERM.</summary>
internal sealed class BrokerProcess : IDisposable
{
    private readonly Process process;
    private readonly StringBuilder log = new();
    private readonly TaskCompletionSource listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int disposed;

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

    public static BrokerProcess Start(BenchDirectory directory, IEnumerable<KeyValuePair<string, string>> environment)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "privsep-broker.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"privsep-broker.dll is not next to the harness ({AppContext.BaseDirectory}); build bench/PrivSep.Bench, which references src/Broker.", dll);
        }

        var start = new ProcessStartInfo(ChildProcess.DotnetHost) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[]
        {
            dll, "--policy", directory.PolicyPath, "--socket", directory.BrokerSocket,
            "--secret-file", directory.SecretPath, "--audit-log", directory.AuditLog,
        })
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var broker = new BrokerProcess(Process.Start(start) ?? throw new InvalidOperationException("privsep-broker did not start."));
        broker.process.ErrorDataReceived += (_, e) => broker.OnLine(e.Data);
        broker.process.OutputDataReceived += (_, e) => broker.OnLine(e.Data);
        broker.process.BeginErrorReadLine();
        broker.process.BeginOutputReadLine();
        if (!broker.listening.Task.Wait(TimeSpan.FromSeconds(30)))
        {
            string log = broker.Log;
            broker.Dispose();
            throw new TimeoutException("privsep-broker did not log 'listening on' within 30 s. Its log:\n" + log);
        }

        return broker;
    }

    /// <returns>The broker's exit code (0 after a clean SIGTERM shutdown).</returns>
    public int Stop()
    {
        ChildProcess.Terminate(this.process);
        if (!this.process.WaitForExit(TimeSpan.FromSeconds(15)))
        {
            this.process.Kill(entireProcessTree: true);
            this.process.WaitForExit();
        }

        return this.process.ExitCode;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref this.disposed, 1) != 0)
        {
            return;
        }

        if (!this.process.HasExited)
        {
            this.Stop();
        }

        this.process.Dispose();
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

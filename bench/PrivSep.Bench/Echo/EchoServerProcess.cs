using System.Diagnostics;
using PrivSep.Bench.Setup;

namespace PrivSep.Bench.Echo;

/// <summary>The harness's handle on its echo-server child: started from this same executable, ended by closing its stdin.</summary>
internal sealed class EchoServerProcess : IDisposable
{
    private readonly Process process;
    private int disposed;

    private EchoServerProcess(Process process)
    {
        this.process = process;
    }

    public int Pid => this.process.Id;

    public static EchoServerProcess Start(string socketPath)
    {
        var start = ChildProcess.Self("echo-server", socketPath);
        start.RedirectStandardInput = true;
        start.RedirectStandardOutput = true;
        var process = Process.Start(start) ?? throw new InvalidOperationException("The echo server did not start.");
        var ready = process.StandardOutput.ReadLineAsync();
        if (!ready.Wait(TimeSpan.FromSeconds(30)) || ready.Result?.StartsWith("listening on", StringComparison.Ordinal) != true)
        {
            process.Kill();
            process.Dispose();
            throw new TimeoutException("The echo server did not report 'listening on' within 30 s.");
        }

        return new EchoServerProcess(process);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref this.disposed, 1) != 0)
        {
            return;
        }

        this.process.StandardInput.Close();
        if (!this.process.WaitForExit(TimeSpan.FromSeconds(10)))
        {
            this.process.Kill();
            this.process.WaitForExit();
        }

        this.process.Dispose();
    }
}

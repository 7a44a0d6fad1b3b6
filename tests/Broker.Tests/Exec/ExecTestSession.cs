using System.Text;
using Microsoft.Win32.SafeHandles;
using PrivSep.Broker.Tests.Harness;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Broker.Tests.Exec;

/// <summary>
/// The client side of one brokered command, as the Shim's relay sees it: the three descriptors the broker sent,
/// read concurrently (as a relay must, or a command filling stderr would stall stdout), and exec.wait until the end.
/// </summary>
internal sealed class ExecTestSession : IAsyncDisposable
{
    private readonly TestClient client;
    private readonly LiveOutput stdout;
    private readonly LiveOutput stderr;

    private ExecTestSession(TestClient client, ExecStartResponse started, SafeFileHandle stdin, SafeFileHandle stdout, SafeFileHandle stderr)
    {
        this.client = client;
        this.Started = started;
        this.Stdin = new FileStream(stdin, FileAccess.Write, bufferSize: 0);
        this.stdout = new LiveOutput(stdout);
        this.stderr = new LiveOutput(stderr);
    }

    public ExecStartResponse Started { get; }

    public FileStream Stdin { get; }

    public static async Task<ExecTestSession> StartAsync(TestClient client, string path, params string[] arguments)
    {
        var started = await client.Service.StartCommandAsync(new ExecRequest(path, arguments, Plugin: "ExecTests"), CancellationToken.None);
        return new ExecTestSession(
            client,
            started,
            client.Stream.Received.Take(started.StdinDescriptor),
            client.Stream.Received.Take(started.StdoutDescriptor),
            client.Stream.Received.Take(started.StderrDescriptor));
    }

    public async Task<(ExecWaitResponse End, string Stdout, string Stderr)> CompleteAsync()
    {
        await this.Stdin.DisposeAsync();
        var end = await this.WaitAsync();
        return (end, Encoding.UTF8.GetString(await this.stdout.Completed), Encoding.UTF8.GetString(await this.stderr.Completed));
    }

    public async Task<ExecWaitResponse> WaitAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var end = await this.client.Service.WaitCommandAsync(new ExecWaitRequest(this.Started.Handle, 1000), CancellationToken.None);
            if (end.Exited)
            {
                return end;
            }
        }

        throw new TimeoutException("The brokered command did not end within 60 s.");
    }

    public Task<byte[]> StdoutBytesAsync() => this.stdout.Completed;

    /// <summary>What stdout delivered so far, while the command may still run.</summary>
    public Task<string> PeekStdoutAsync() => Task.FromResult(Encoding.UTF8.GetString(this.stdout.Snapshot()));

    public async ValueTask DisposeAsync()
    {
        await this.Stdin.DisposeAsync();
    }

    /// <summary>Reads a stream to its end on its own task, keeping what arrived visible meanwhile.</summary>
    private sealed class LiveOutput
    {
        private readonly MemoryStream received = new();

        public LiveOutput(SafeFileHandle handle)
        {
            this.Completed = Task.Run(async () =>
            {
                await using var stream = new FileStream(handle, FileAccess.Read, bufferSize: 0);
                var buffer = new byte[65536];
                int read;
                while ((read = await stream.ReadAsync(buffer)) > 0)
                {
                    lock (this.received)
                    {
                        this.received.Write(buffer, 0, read);
                    }
                }

                return this.Snapshot();
            });
        }

        public Task<byte[]> Completed { get; }

        public byte[] Snapshot()
        {
            lock (this.received)
            {
                return this.received.ToArray();
            }
        }
    }

    /// <summary>Policies for the exec tests; "{root}" is the test broker's directory.</summary>
    internal static class ExecPolicy
    {
        public static string With(string rules, string limits = "") => $$"""
            {
              "version": 1,
              "agents": { "users": ["root"] },
              "files": { "read": ["{root}/read/**"], "write": [], "deny": [] },
              "exec": [{{rules}}],
              "limits": { "maxConnections": 8, "maxOpenHandles": 8, "handshakeTimeoutSeconds": 2, "handleIdleTimeoutSeconds": 30{{limits}} }
            }
            """;

        /// <summary>The rules most tests use: head of a file under read/, the sudoers example, a shell for scripted children.</summary>
        public static string Default => With("""
            { "path": "/usr/bin/head", "args": ["-c", "64", "{root}/read/*"] },
            { "path": "/usr/bin/cat", "args": ["{root}/read/messages*"] },
            { "path": "/usr/bin/head", "args": ["-c", "*", "/dev/zero"], "maxOutputBytes": 67108864 },
            { "path": "/usr/bin/yes", "args": [], "maxOutputBytes": 100000 },
            { "path": "/usr/bin/sh", "args": ["-c", "*"], "timeoutSeconds": 30 },
            { "path": "/usr/bin/sleep", "args": ["*"], "timeoutSeconds": 1 }
            """);
    }
}

using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using PrivSep.Protocol;

namespace PrivSep.Broker.Tests.Harness;

/// <summary>
/// The real privsep-broker (privsep-broker.dll, built beside these tests by the project reference) run as a process as
/// root, in a folder of its own, with a policy that lets root run the few commands the tests run; killed on dispose.
/// </summary>
internal sealed class SpawnedBroker : IDisposable
{
    /// <summary>The policy by default; "{root}" stands for the broker's folder.</summary>
    public const string DefaultPolicy = """
        {
          "version": 1,
          "agents": { "users": ["root"] },
          "files": { "read": [], "write": [], "deny": [] },
          "exec": [
            { "path": "/usr/bin/true", "args": [] },
            { "path": "/usr/bin/false", "args": [] },
            { "path": "/usr/bin/printf", "args": ["*"] },
            { "path": "/usr/bin/sleep", "args": ["*"] },
            { "path": "/usr/bin/wc", "args": ["-c"] }
          ]
        }
        """;

    private readonly StringBuilder log = new();
    private Process process;

    private SpawnedBroker(string folder, Process process)
    {
        this.Folder = folder;
        this.process = process;
        this.Attach();
    }

    /// <summary>The broker's folder: policy, secret, socket and audit log live below it.</summary>
    public string Folder { get; }

    /// <summary>The broker's pid (a launcher given to <see cref="Start"/> must exec it, not fork it).</summary>
    public int Pid => this.process.Id;

    /// <summary>What the relay needs to reach this broker, and no parent for it to check.</summary>
    public IReadOnlyDictionary<string, string?> RelayEnvironment => new Dictionary<string, string?>
    {
        [ProtocolDefaults.SocketEnvironmentVariable] = this.SocketPath,
        [ProtocolDefaults.SecretFileEnvironmentVariable] = this.SecretPath,
        [ProtocolDefaults.RelayParentEnvironmentVariable] = null,
    };

    public string SocketPath => Path.Combine(this.Folder, "run", "broker.sock");

    public string SecretPath => Path.Combine(this.Folder, "agent.secret");

    public string PolicyPath => Path.Combine(this.Folder, "policy.json");

    private string AuditPath => Path.Combine(this.Folder, "audit", "audit.jsonl");

    /// <summary>Everything the broker wrote to stdout and stderr so far.</summary>
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

    /// <param name="policy">The policy; "{root}" stands for the broker's folder.</param>
    /// <param name="launcher">A program and arguments to start the broker through (it must exec "$@"), e.g. a shell that sets a signal disposition.</param>
    public static SpawnedBroker Start(string policy = DefaultPolicy, IReadOnlyList<string>? launcher = null)
    {
        string folder = Prepare(policy);
        var broker = new SpawnedBroker(folder, Process.Start(StartInfo(folder, Path.Combine(folder, "run", "broker.sock"), launcher))!);
        broker.WaitUntilListening();
        return broker;
    }

    /// <summary>Starts the broker again in the same folder (same policy, socket and audit log) once the previous process has ended.</summary>
    public void Restart()
    {
        if (!this.process.HasExited)
        {
            throw new InvalidOperationException("The broker is still running.");
        }

        this.process.Dispose();
        this.process = Process.Start(StartInfo(this.Folder, this.SocketPath, launcher: null))!;
        this.Attach();
        this.WaitUntilListening();
    }

    /// <summary>Runs a broker that is expected to refuse to start, listening on <paramref name="socketPath"/>; returns its exit code and output.</summary>
    public static (int ExitCode, string Output) RunExpectingRefusal(string socketPath, string policy = DefaultPolicy)
    {
        string folder = Prepare(policy);
        try
        {
            using var process = Process.Start(StartInfo(folder, socketPath, launcher: null))!;
            var output = process.StandardOutput.ReadToEndAsync();
            string errors = process.StandardError.ReadToEnd();
            if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                process.Kill();
                throw new TimeoutException("The broker was expected to refuse to start, but it kept running.");
            }

            return (process.ExitCode, output.Result + errors);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    public string[] AuditLines() => File.Exists(this.AuditPath) ? File.ReadAllLines(this.AuditPath) : [];

    /// <summary>Replaces the policy file (the broker reads it again on SIGHUP); "{root}" stands for the broker's folder.</summary>
    public void WritePolicy(string policy) => File.WriteAllText(this.PolicyPath, policy.Replace("{root}", this.Folder, StringComparison.Ordinal));

    /// <summary>Waits until the broker's output since character <paramref name="from"/> contains <paramref name="text"/>; returns that output.</summary>
    public string WaitForLog(string text, int from, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            string added = this.Log[from..];
            if (added.Contains(text, StringComparison.Ordinal))
            {
                return added;
            }

            Thread.Sleep(50);
        }

        throw new TimeoutException($"The broker did not log '{text}' within {timeout.TotalSeconds} s. Its log:\n{this.Log}");
    }

    /// <summary>Sends the broker a signal (e.g. "HUP") with kill(1), as an operator would.</summary>
    public void SendSignal(string signal)
    {
        using var kill = Process.Start("/bin/kill", ["-" + signal, this.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {this.Pid} failed with exit {kill.ExitCode}.");
        }
    }

    /// <summary>Ends the broker with SIGKILL, as the kernel's OOM killer or an operator would: it gets no chance to clean up.</summary>
    public void KillHard()
    {
        this.process.Kill();
        this.process.WaitForExit();
    }

    public void Dispose()
    {
        if (!this.process.HasExited)
        {
            this.KillHard();
        }

        this.process.Dispose();
        Directory.Delete(this.Folder, recursive: true);
    }

    private static string Prepare(string policy)
    {
        string folder = Directory.CreateTempSubdirectory("privsep-spawned-broker-").FullName;
        File.WriteAllText(Path.Combine(folder, "policy.json"), policy.Replace("{root}", folder, StringComparison.Ordinal));
        string secret = Path.Combine(folder, "agent.secret");
        File.WriteAllText(secret, Convert.ToBase64String(Guid.NewGuid().ToByteArray()) + Convert.ToBase64String(Guid.NewGuid().ToByteArray()));
        File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return folder;
    }

    private static ProcessStartInfo StartInfo(string folder, string socketPath, IReadOnlyList<string>? launcher)
    {
        var arguments = new List<string>(launcher ?? []) { DotnetHost.Path };
        arguments.AddRange([
            Path.Combine(AppContext.BaseDirectory, "privsep-broker.dll"),
            "--policy", Path.Combine(folder, "policy.json"),
            "--socket", socketPath,
            "--secret-file", Path.Combine(folder, "agent.secret"),
            "--audit-log", Path.Combine(folder, "audit", "audit.jsonl"),
        ]);
        var start = new ProcessStartInfo(arguments[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    private void Attach()
    {
        this.process.OutputDataReceived += (_, e) => this.Append(e.Data);
        this.process.ErrorDataReceived += (_, e) => this.Append(e.Data);
        this.process.BeginOutputReadLine();
        this.process.BeginErrorReadLine();
    }

    private void Append(string? line)
    {
        lock (this.log)
        {
            this.log.AppendLine(line);
        }
    }

    private void WaitUntilListening()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && !this.process.HasExited)
        {
            if (File.Exists(this.SocketPath))
            {
                using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    probe.Connect(new UnixDomainSocketEndPoint(this.SocketPath));
                    return;
                }
                catch (SocketException)
                {
                    // Bound but not listening yet.
                }
            }

            Thread.Sleep(20);
        }

        throw new InvalidOperationException("privsep-broker did not start listening. Its log:\n" + this.Log);
    }
}

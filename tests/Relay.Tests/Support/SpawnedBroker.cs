using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using PrivSep.Protocol;

namespace PrivSep.Relay.Tests.Support;

/// <summary>
/// The real privsep-broker (privsep-broker.dll, built beside these tests by the project reference) run as a process as
/// root, in a folder of its own, with a policy that lets root run the few commands the tests run; killed on dispose.
/// </summary>
internal sealed class SpawnedBroker : IDisposable
{
    private const string Policy = """
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

    private readonly string folder;
    private readonly Process process;
    private readonly StringBuilder log = new();

    private SpawnedBroker(string folder, Process process)
    {
        this.folder = folder;
        this.process = process;
    }

    /// <summary>What the relay needs to reach this broker, and no parent for it to check.</summary>
    public IReadOnlyDictionary<string, string?> RelayEnvironment => new Dictionary<string, string?>
    {
        [ProtocolDefaults.SocketEnvironmentVariable] = this.SocketPath,
        [ProtocolDefaults.SecretFileEnvironmentVariable] = this.SecretPath,
        [ProtocolDefaults.RelayParentEnvironmentVariable] = null,
    };

    private string SocketPath => Path.Combine(this.folder, "run", "broker.sock");

    private string SecretPath => Path.Combine(this.folder, "agent.secret");

    private string AuditPath => Path.Combine(this.folder, "audit", "audit.jsonl");

    public static SpawnedBroker Start()
    {
        string folder = Directory.CreateTempSubdirectory("privsep-relay-broker-").FullName;
        string policy = Path.Combine(folder, "policy.json");
        File.WriteAllText(policy, Policy);
        string secret = Path.Combine(folder, "agent.secret");
        File.WriteAllText(secret, Convert.ToBase64String(Guid.NewGuid().ToByteArray()) + Convert.ToBase64String(Guid.NewGuid().ToByteArray()));
        File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var start = new ProcessStartInfo(RelayProcess.DotnetHost) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[] { Path.Combine(AppContext.BaseDirectory, "privsep-broker.dll"), "--policy", policy, "--socket", Path.Combine(folder, "run", "broker.sock"), "--secret-file", secret, "--audit-log", Path.Combine(folder, "audit", "audit.jsonl") })
        {
            start.ArgumentList.Add(argument);
        }

        var broker = new SpawnedBroker(folder, Process.Start(start)!);
        broker.process.OutputDataReceived += (_, e) => broker.Log(e.Data);
        broker.process.ErrorDataReceived += (_, e) => broker.Log(e.Data);
        broker.process.BeginOutputReadLine();
        broker.process.BeginErrorReadLine();
        broker.WaitUntilListening();
        return broker;
    }

    public string[] AuditLines() => File.Exists(this.AuditPath) ? File.ReadAllLines(this.AuditPath) : [];

    public void Dispose()
    {
        this.process.Kill();
        this.process.WaitForExit();
        this.process.Dispose();
        Directory.Delete(this.folder, recursive: true);
    }

    private void Log(string? line)
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

        lock (this.log)
        {
            throw new InvalidOperationException("privsep-broker did not start listening. Its log:\n" + this.log);
        }
    }
}

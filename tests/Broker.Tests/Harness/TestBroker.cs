using System.Net.Sockets;
using PrivSep.Broker.Hosting;

namespace PrivSep.Broker.Tests.Harness;

/// <summary>
/// A real broker (the same <see cref="BrokerHost"/> the executable runs) listening in-process on a socket in a
/// fresh temporary directory, with its own secret, policy and audit log. The policy template's "{root}" is the
/// temporary directory, so tests state paths relative to a tree they own.
/// </summary>
internal sealed class TestBroker : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private Task<int>? running;

    private TestBroker(string root)
    {
        this.Root = root;
    }

    public string Root { get; }

    public string SocketPath => Path.Combine(this.Root, "run", "broker.sock");

    public string SecretPath => Path.Combine(this.Root, "agent.secret");

    public string AuditPath { get; private set; } = string.Empty;

    public string PolicyPath => Path.Combine(this.Root, "policy.json");

    /// <summary>The default policy lets root (the test process) connect, read {root}/read/**, write {root}/sandbox/**.</summary>
    public const string DefaultPolicy = """
        {
          "version": 1,
          "agents": { "users": ["root"] },
          "files": { "read": ["{root}/read/**"], "write": ["{root}/sandbox/**"], "deny": ["{root}/read/denied/**", "{root}/sandbox/denied.txt"] },
          "ping": { "targets": ["127.0.0.0/8"] },
          "limits": { "maxConnections": 4, "maxOpenHandles": 8, "maxMessageBytes": 65536, "maxConcurrentRequests": 4, "handshakeTimeoutSeconds": 1, "handleIdleTimeoutSeconds": 2 }
        }
        """;

    public static async Task<TestBroker> StartAsync(string policyTemplate = DefaultPolicy, string? secret = null, string? auditLogPath = null)
    {
        string root = Directory.CreateTempSubdirectory("privsep-broker-test-").FullName;
        var broker = new TestBroker(root);
        broker.AuditPath = auditLogPath ?? Path.Combine(root, "audit", "audit.jsonl");
        Directory.CreateDirectory(Path.Combine(root, "read"));
        Directory.CreateDirectory(Path.Combine(root, "sandbox"));
        File.WriteAllText(broker.SecretPath, secret ?? TestSecrets.Secret);
        File.SetUnixFileMode(broker.SecretPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        broker.WritePolicy(policyTemplate);

        var options = new BrokerOptions { PolicyPath = broker.PolicyPath, SocketPath = broker.SocketPath, SecretFilePath = broker.SecretPath, AuditLogPath = broker.AuditPath };
        broker.running = Task.Run(() => new BrokerHost(options).RunAsync(broker.stop.Token));
        await broker.WaitUntilListeningAsync();
        return broker;
    }

    public void WritePolicy(string policyTemplate) => File.WriteAllText(this.PolicyPath, policyTemplate.Replace("{root}", this.Root, StringComparison.Ordinal));

    public Task<TestClient> ConnectAsync(string? secret = null) => TestClient.ConnectAsync(this.SocketPath, secret ?? TestSecrets.Secret);

    public string[] AuditLines() => File.Exists(this.AuditPath) ? File.ReadAllLines(this.AuditPath) : [];

    public async ValueTask DisposeAsync()
    {
        await this.stop.CancelAsync();
        if (this.running is not null)
        {
            await this.running.WaitAsync(TimeSpan.FromSeconds(15));
        }

        this.stop.Dispose();
        Directory.Delete(this.Root, recursive: true);
    }

    private async Task WaitUntilListeningAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (this.running!.IsCompleted)
            {
                throw new InvalidOperationException($"The broker exited during start with code {await this.running}.");
            }

            if (File.Exists(this.SocketPath))
            {
                using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await probe.ConnectAsync(new UnixDomainSocketEndPoint(this.SocketPath));
                    return;
                }
                catch (SocketException)
                {
                }
            }

            await Task.Delay(20);
        }

        throw new TimeoutException("The broker did not start listening within 20 s.");
    }
}

internal static class TestSecrets
{
    public const string Secret = "test-secret-0123456789abcdefghijklmnopqrstuvwxyz";
    public const string OtherSecret = "another-secret-0123456789abcdefghijklmnopqrstuv";
}

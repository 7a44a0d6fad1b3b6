using System.Security.Cryptography;

namespace PrivSep.Bench.Setup;

/// <summary>
/// Everything one run needs, under one temporary directory that is deleted afterwards: the shared secret, the policy,
/// the root-only files the broker serves, the broker's socket and audit log, and the echo server's socket.
/// </summary>
internal sealed class BenchDirectory : IDisposable
{
    public const int SmallFileBytes = 4096;
    public const int LargeFileBytes = 64 * 1024 * 1024;

    private const UnixFileMode RootOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode Traversable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private int disposed;

    private BenchDirectory(string root)
    {
        this.Root = root;
    }

    public string Root { get; }

    public string SmallFile => Path.Combine(this.Root, "read", "small-4k.bin");

    public string LargeFile => Path.Combine(this.Root, "read", "large-64m.bin");

    public string SecretPath => Path.Combine(this.Root, "agent.secret");

    public string PolicyPath => Path.Combine(this.Root, "policy.json");

    public string BrokerSocket => Path.Combine(this.Root, "run", "broker.sock");

    public string AuditLog => Path.Combine(this.Root, "audit", "audit.jsonl");

    public string EchoSocket => Path.Combine(this.Root, "echo.sock");

    /// <summary>A second audit log for timing <c>AuditLog.Append</c> in-process, apart from the broker's.</summary>
    public string ScratchAuditLog => Path.Combine(this.Root, "scratch-audit", "audit.jsonl");

    public byte[] Secret { get; private set; } = [];

    public static BenchDirectory Create()
    {
        var directory = new BenchDirectory(Directory.CreateTempSubdirectory("privsep-bench-").FullName);
        try
        {
            directory.Populate();
            return directory;
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref this.disposed, 1) != 0)
        {
            return;
        }

        try
        {
            Directory.Delete(this.Root, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"privsep-bench: could not remove {this.Root}: {ex.Message}");
        }
    }

    private void Populate()
    {
        File.SetUnixFileMode(this.Root, Traversable);
        Directory.CreateDirectory(Path.Combine(this.Root, "read"), Traversable);

        // Base64 of 32 random bytes: 44 bytes of key material, as `head -c 32 /dev/urandom | base64` gives.
        this.Secret = System.Text.Encoding.ASCII.GetBytes(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        WriteRootOnly(this.SecretPath, this.Secret);

        WriteRootOnly(this.SmallFile, RandomNumberGenerator.GetBytes(SmallFileBytes));
        using (var large = new FileStream(this.LargeFile, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = RootOnly }))
        {
            var chunk = RandomNumberGenerator.GetBytes(1024 * 1024);
            for (int written = 0; written < LargeFileBytes; written += chunk.Length)
            {
                large.Write(chunk);
            }
        }

        File.WriteAllText(this.PolicyPath, $$"""
            {
              // privsep-bench: root is the agent here (the harness runs as root). The limits are raised above the
              // defaults (16 connections, 5,000 requests/s per connection) so that they do not cap the throughput run.
              "version": 1,
              "agents": { "users": ["root"] },
              "files": { "read": ["{{this.Root}}/read/**"] },
              "ping": { "targets": ["127.0.0.1/32"] },
              "exec": [
                { "path": "/usr/bin/true", "args": [] },
                { "path": "/usr/bin/head", "args": ["-c", "*", "/dev/zero"], "maxOutputBytes": 134217728 }
              ],
              "limits": { "maxConnections": 64, "maxRequestsPerSecond": 1000000, "maxConcurrentRequests": 32 }
            }
            """);
        File.SetUnixFileMode(this.PolicyPath, RootOnly);
    }

    private static void WriteRootOnly(string path, byte[] content)
    {
        using var stream = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = RootOnly });
        stream.Write(content);
    }
}

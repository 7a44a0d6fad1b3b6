namespace PrivSep.EndToEnd.Tests.Fixture;

/// <summary>
/// A host laid out as a deployment would be, under one temporary root: root-only files to read, a sandbox to write,
/// the shared secret (0640, root and the agent's group), the policy, and the built binaries copied where the
/// unprivileged user can run them.
/// </summary>
internal sealed class Deployment : IDisposable
{
    /// <summary>What the root-only <c>logs/auth.log</c> holds.</summary>
    public const string AuthLogContent = "Nov 27 sshd[1]: Accepted publickey for admin\n";

    private Deployment(string root)
    {
        this.Root = root;
    }

    public string Root { get; }

    public string Binaries => Path.Combine(this.Root, "bin");

    public string Logs => Path.Combine(this.Root, "logs");

    public string Sandbox => Path.Combine(this.Root, "sandbox");

    public string Outside => Path.Combine(this.Root, "outside");

    public string SocketPath => Path.Combine(this.Root, "run", "broker.sock");

    public string SecretPath => Path.Combine(this.Root, "agent.secret");

    public string PolicyPath => Path.Combine(this.Root, "policy.json");

    public string AuditPath => Path.Combine(this.Root, "audit", "audit.jsonl");

    /// <param name="execRules">The policy's <c>exec</c> rules (a JSON array's content, paths already absolute); none by default.</param>
    public static Deployment Create(Func<Deployment, string>? execRules = null)
    {
        TestUser.EnsureExists();
        string root = Directory.CreateTempSubdirectory("privsep-e2e-").FullName;
        var deployment = new Deployment(root);
        File.SetUnixFileMode(root, Mode("rwxr-xr-x"));
        foreach (var directory in new[] { deployment.Logs, deployment.Sandbox, deployment.Outside })
        {
            Directory.CreateDirectory(directory, Mode("rwxr-xr-x"));
        }

        WriteRootOnly(Path.Combine(deployment.Logs, "auth.log"), AuthLogContent);
        WriteRootOnly(Path.Combine(deployment.Logs, "shadow.log"), "root:$6$denied\n");
        File.WriteAllText(Path.Combine(deployment.Logs, "public.log"), "anyone may read this\n");
        File.SetUnixFileMode(Path.Combine(deployment.Logs, "public.log"), Mode("rw-r--r--"));
        File.WriteAllText(deployment.SecretPath, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) + "\n");
        File.SetUnixFileMode(deployment.SecretPath, Mode("rw-r-----"));
        if (TestUser.Run("chown", $"root:{TestUser.Name}", deployment.SecretPath) != 0)
        {
            throw new InvalidOperationException("chown of the secret file failed");
        }

        File.WriteAllText(deployment.PolicyPath, $$"""
            {
              // The end-to-end policy: what the unprivileged test agent may do through the broker.
              "version": 1,
              "agents": { "users": ["{{TestUser.Name}}"] },
              "files": {
                "read":  ["{{deployment.Logs}}/**"],
                "write": ["{{deployment.Sandbox}}/**"],
                "deny":  ["{{deployment.Logs}}/shadow.log"]
              },
              "ping": { "targets": ["127.0.0.0/8"] },
              "exec": [{{execRules?.Invoke(deployment) ?? string.Empty}}]
            }
            """);
        deployment.CopyBinaries();
        return deployment;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(this.Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static UnixFileMode Mode(string symbolic)
    {
        UnixFileMode mode = 0;
        var bits = new[] { UnixFileMode.UserRead, UnixFileMode.UserWrite, UnixFileMode.UserExecute, UnixFileMode.GroupRead, UnixFileMode.GroupWrite, UnixFileMode.GroupExecute, UnixFileMode.OtherRead, UnixFileMode.OtherWrite, UnixFileMode.OtherExecute };
        for (int i = 0; i < 9; i++)
        {
            if (symbolic[i] != '-')
            {
                mode |= bits[i];
            }
        }

        return mode;
    }

    /// <summary>A file only root may read (0600), like the logs and reports the broker reads for the agent.</summary>
    public static void WriteRootOnly(string path, string content)
    {
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, Mode("rw-------"));
    }

    /// <summary>A directory and the files in it that the unprivileged test user may read (0755 and 0644), e.g. a rewritten plugin's.</summary>
    public static void MakeReadableByAll(string directory)
    {
        File.SetUnixFileMode(directory, Mode("rwxr-xr-x"));
        foreach (string file in Directory.EnumerateFiles(directory))
        {
            File.SetUnixFileMode(file, Mode("rw-r--r--"));
        }
    }

    /// <summary>The test output folder may sit below directories the test user cannot enter; copy what it runs to a readable place.</summary>
    private void CopyBinaries()
    {
        Directory.CreateDirectory(this.Binaries, Mode("rwxr-xr-x"));
        foreach (var file in Directory.EnumerateFiles(AppContext.BaseDirectory))
        {
            string target = Path.Combine(this.Binaries, Path.GetFileName(file));
            File.Copy(file, target);
            File.SetUnixFileMode(target, Mode("rw-r--r--"));
        }
    }
}

using PrivSep.Broker.Audit;
using PrivSep.Broker.Tests.Actions;
using PrivSep.Broker.Tests.Harness;
using PrivSep.Protocol.Contracts;
using StreamJsonRpc;

namespace PrivSep.Broker.Tests.Service;

/// <summary>
/// On a real, full 64 KiB tmpfs: no mutating action takes effect without its audit line (points 7 of issue 10), and
/// the broker serves again, with an intact chain, once space returns (point 8) — no restart.
/// </summary>
[TestClass]
public sealed class AuditFullDiskTests
{
    private const string Policy = """
        {
          "version": 1,
          "agents": { "users": ["root"] },
          "files": { "read": ["{root}/read/**"], "write": ["{root}/sandbox/**"], "deny": [] },
          "exec": [{ "path": "/usr/bin/touch", "args": ["{root}/sandbox/ran-*"], "timeoutSeconds": 10 }],
          "limits": { "maxConnections": 4, "maxOpenHandles": 64, "handshakeTimeoutSeconds": 2, "handleIdleTimeoutSeconds": 30 }
        }
        """;

    /// <summary>Each mutating action, tried until the full log refuses it: whatever took effect has its "ok" line.</summary>
    [TestMethod]
    [DataRow("file.open create")]
    [DataRow("file.open truncate")]
    [DataRow("file.open append")]
    [DataRow("file.open open-or-create")]
    [DataRow("file.delete")]
    [DataRow("file.move")]
    [DataRow("dir.create")]
    [DataRow("dir.delete")]
    [DataRow("exec.start")]
    public async Task On_a_full_disk_no_mutating_action_takes_effect_without_its_audit_line(string kind)
    {
        RequiresRoot.Check();
        using var volume = TinyAuditVolume.Mount();
        {
            await using var broker = await TestBroker.StartAsync(Policy, auditLogPath: volume.AuditLogPath);
            await using var client = await broker.ConnectAsync();
            var mutation = new Mutation(kind, Path.Combine(broker.Root, "sandbox"), client);
            volume.Fill();

            var attempts = new List<(int Number, string Outcome)>();
            int refusals = 0;
            for (int i = 1; refusals < 3; i++)
            {
                Assert.IsLessThan(2000, i, "the audit log never ran out of space");
                mutation.Prepare(i);
                try
                {
                    await mutation.RunAsync(i);
                    attempts.Add((i, "ok"));
                }
                catch (RemoteInvocationException ex) when (ex.ErrorCode == (int)BrokerErrorCode.AuditUnavailable)
                {
                    attempts.Add((i, "audit-unavailable"));
                    refusals++;
                }
            }

            await mutation.SettleAsync(attempts.Where(a => a.Outcome == "ok").Select(a => a.Number));
            var lines = AuditTrail.Read(broker);
            foreach (var (number, outcome) in attempts)
            {
                bool tookEffect = mutation.TookEffect(number);
                bool audited = lines.Any(line => line.Action == mutation.Action && line.Outcome == "ok" && line.Args.Values.Contains(mutation.Subject(number)));
                Assert.AreEqual(outcome == "ok", tookEffect, $"{kind} #{number} answered {outcome}; took effect: {tookEffect}");
                Assert.AreEqual(tookEffect, audited, $"{kind} #{number} (answered {outcome}) took effect: {tookEffect}, but its audit line exists: {audited}");
            }

            Assert.IsTrue(attempts.Any(a => a.Outcome == "ok"), "the reserved space let requests already in flight finish");
            Assert.IsTrue(AuditChainVerifier.Verify(broker.AuditPath).IsValid);
        }
    }

    [TestMethod]
    public async Task Once_space_is_freed_a_new_connection_is_served_without_a_restart_and_the_chain_verifies()
    {
        RequiresRoot.Check();
        using var volume = TinyAuditVolume.Mount();
        {
            await using var broker = await TestBroker.StartAsync(Policy, auditLogPath: volume.AuditLogPath);
            string sandbox = Path.Combine(broker.Root, "sandbox");
            await using (var first = await broker.ConnectAsync())
            {
                await first.WriteTextAsync(Path.Combine(sandbox, "before.txt"), "audited");
                volume.Fill();
                for (int i = 1; ; i++)
                {
                    Assert.IsLessThan(2000, i, "the audit log never ran out of space");
                    try
                    {
                        await first.WriteTextAsync(Path.Combine(sandbox, $"fill-{i}.txt"), "x");
                    }
                    catch (RemoteInvocationException ex) when (ex.ErrorCode == (int)BrokerErrorCode.AuditUnavailable)
                    {
                        break;
                    }
                }

                string refused = Path.Combine(sandbox, "refused.txt");
                await BrokerAssert.FailsWith(BrokerErrorCode.AuditUnavailable, () => first.WriteTextAsync(refused, "x"));
                Assert.IsFalse(File.Exists(refused));
            }

            volume.Free();

            // A new connection (its "connect" line needs the log too) and a mutating request, on the same broker.
            await using var second = await broker.ConnectAsync();
            string after = Path.Combine(sandbox, "after.txt");
            await second.WriteTextAsync(after, "audited again");
            Assert.AreEqual("audited again", await second.ReadTextAsync(after));
            Assert.IsTrue(
                AuditTrail.For(broker, "file.open", "path", after).Any(line => line.Arg("access") == "Write" && line.Outcome == "ok"),
                "the write after the outage is audited");

            var result = AuditChainVerifier.Verify(broker.AuditPath);
            Assert.IsTrue(result.IsValid, string.Join(Environment.NewLine, result.Problems.Select(p => p.Description)));
        }
    }

    /// <summary>One kind of mutating request, its target for attempt i, and how to tell whether it took effect.</summary>
    private sealed class Mutation(string kind, string sandbox, TestClient client)
    {
        public string Action => kind.Split(' ')[0];

        /// <summary>The path the audit line names as an argument.</summary>
        public string Subject(int i) => kind switch
        {
            "file.move" => Path.Combine(sandbox, $"moved-{i}"),
            "exec.start" => $"/usr/bin/touch {Marker(i)}",
            _ => Path.Combine(sandbox, $"target-{i}"),
        };

        public void Prepare(int i)
        {
            string target = Path.Combine(sandbox, $"target-{i}");
            switch (kind)
            {
                case "file.open truncate" or "file.open append" or "file.delete" or "file.move":
                    File.WriteAllText(target, "original");
                    break;
                case "dir.delete":
                    Directory.CreateDirectory(target);
                    break;
            }
        }

        public async Task RunAsync(int i)
        {
            string target = Path.Combine(sandbox, $"target-{i}");
            var none = CancellationToken.None;
            switch (kind)
            {
                case "file.open create":
                    (await client.OpenAsync(target, FileMode.CreateNew, FileAccess.Write)).Dispose();
                    break;
                case "file.open truncate":
                    (await client.OpenAsync(target, FileMode.Truncate, FileAccess.Write)).Dispose();
                    break;
                case "file.open append":
                    // Appending opens an existing file: what it changes is the file, through the descriptor only.
                    using (var stream = new FileStream(await client.OpenAsync(target, FileMode.Append, FileAccess.Write), FileAccess.Write))
                    {
                        stream.Write("+appended"u8);
                    }

                    break;
                case "file.open open-or-create":
                    (await client.OpenAsync(target, FileMode.OpenOrCreate, FileAccess.ReadWrite)).Dispose();
                    break;
                case "file.delete":
                    await client.Service.DeleteFileAsync(new PathRequest(target), none);
                    break;
                case "file.move":
                    await client.Service.MoveFileAsync(new MoveFileRequest(target, this.Subject(i), Overwrite: false), none);
                    break;
                case "dir.create":
                    await client.Service.CreateDirectoryAsync(new CreateDirectoryRequest(target), none);
                    break;
                case "dir.delete":
                    await client.Service.DeleteDirectoryAsync(new PathRequest(target), none);
                    break;
                case "exec.start":
                    var started = await client.Service.StartCommandAsync(new ExecRequest("/usr/bin/touch", [Marker(i)]), none);
                    client.Stream.Received.Take(started.StdinDescriptor).Dispose();
                    client.Stream.Received.Take(started.StdoutDescriptor).Dispose();
                    client.Stream.Received.Take(started.StderrDescriptor).Dispose();
                    break;
                default:
                    throw new ArgumentException($"unknown mutation {kind}");
            }
        }

        /// <summary>Commands run on their own: wait (generously) for the started ones before judging any.</summary>
        public async Task SettleAsync(IEnumerable<int> started)
        {
            if (kind != "exec.start")
            {
                return;
            }

            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (started.Any(i => !File.Exists(Marker(i))) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }

            // A command that was refused must not run late either: give it the same chance.
            await Task.Delay(500);
        }

        public bool TookEffect(int i)
        {
            string target = Path.Combine(sandbox, $"target-{i}");
            return kind switch
            {
                "file.open create" or "file.open open-or-create" or "dir.create" => Path.Exists(target),
                "file.open truncate" => File.ReadAllText(target).Length == 0,
                "file.open append" => File.ReadAllText(target) != "original",
                "file.delete" or "dir.delete" => !Path.Exists(target),
                "file.move" => File.Exists(this.Subject(i)),
                "exec.start" => File.Exists(Marker(i)),
                _ => throw new ArgumentException($"unknown mutation {kind}"),
            };
        }

        private string Marker(int i) => Path.Combine(sandbox, $"ran-{i}");
    }
}

using System.Diagnostics;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using PrivSep.Broker.Tests.Harness;
using PrivSep.Protocol.Contracts;
using PrivSep.Protocol.Handshake;
using StreamJsonRpc;

namespace PrivSep.Broker.Tests.Actions;

/// <summary>
/// Who may talk to the broker and what ends a connection: the uid check, the mutual handshake (bounded in time),
/// the connection cap, and protocol violations, each of which ends only the offending connection.
/// </summary>
[TestClass]
public sealed class ConnectionTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);

    /// <summary>Four connections, and commands a client can run (so that its connection is busy, not sheddable).</summary>
    private static readonly string BusyPolicy = Exec.ExecTestSession.ExecPolicy.Default.Replace("\"maxConnections\": 8", "\"maxConnections\": 4", StringComparison.Ordinal);

    [TestMethod]
    public async Task A_client_with_the_wrong_secret_is_refused_and_the_refusal_is_audited()
    {
        await using var broker = await TestBroker.StartAsync();

        var error = await Assert.ThrowsExactlyAsync<BrokerAuthenticationException>(() => broker.ConnectAsync(TestSecrets.OtherSecret));

        Assert.Contains(broker.SocketPath, error.Message);
        var entry = await AuditTrail.WaitForConnectEventAsync(broker, "closed-early");
        Assert.AreEqual("deny", entry.Decision);
        Assert.AreEqual(Environment.ProcessId, entry.Pid);
        Assert.AreEqual(0u, entry.Uid);
    }

    [TestMethod]
    public async Task A_wrong_proof_is_answered_with_AuthenticationFailed_and_audited_as_bad_proof()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var raw = await RawConnection.ConnectAsync(broker);
        var wrong = new SharedSecret(Encoding.UTF8.GetBytes(TestSecrets.OtherSecret));

        var (agentNonce, brokerNonce) = await SendHelloAsync(raw);
        await raw.Stream.WriteAsync(HandshakeWire.ComputeProof(wrong, HandshakeWire.AgentLabel, agentNonce, brokerNonce));

        Assert.AreEqual((byte)HandshakeStatus.AuthenticationFailed, await ReadByteAsync(raw));
        Assert.IsTrue(await raw.IsClosedByPeerWithinAsync(Bound));
        var entry = await AuditTrail.WaitForConnectEventAsync(broker, "bad-proof");
        Assert.AreEqual("deny", entry.Decision);
        Assert.AreEqual("handshake", entry.Rule);
        Assert.AreEqual(Environment.ProcessId, entry.Pid);
        Assert.AreEqual(0u, entry.Uid);
    }

    [TestMethod]
    public async Task A_replayed_handshake_is_refused()
    {
        await using var broker = await TestBroker.StartAsync();
        var secret = new SharedSecret(Encoding.UTF8.GetBytes(TestSecrets.Secret));

        // A genuine exchange, recorded.
        byte[] recordedNonce;
        byte[] recordedProof;
        await using (var first = await RawConnection.ConnectAsync(broker))
        {
            var (agentNonce, brokerNonce) = await SendHelloAsync(first);
            recordedNonce = agentNonce;
            recordedProof = HandshakeWire.ComputeProof(secret, HandshakeWire.AgentLabel, agentNonce, brokerNonce);
            await first.Stream.WriteAsync(recordedProof);
            Assert.AreEqual((byte)HandshakeStatus.Proceed, await ReadByteAsync(first));
        }

        // Replaying the same hello and proof on a new connection: the broker's nonce is fresh, so the proof is stale.
        await using var replay = await RawConnection.ConnectAsync(broker);
        var (_, freshBrokerNonce) = await SendHelloAsync(replay, recordedNonce);
        await replay.Stream.WriteAsync(recordedProof);

        Assert.AreEqual((byte)HandshakeStatus.AuthenticationFailed, await ReadByteAsync(replay));
        await AuditTrail.WaitForConnectEventAsync(broker, "bad-proof");
        Assert.IsFalse(freshBrokerNonce.AsSpan().SequenceEqual(recordedNonce));
    }

    [TestMethod]
    public async Task A_hello_with_the_wrong_magic_is_refused_as_an_unsupported_version()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var raw = await RawConnection.ConnectAsync(broker);

        await raw.Stream.WriteAsync(Encoding.ASCII.GetBytes("PRIVSEP0").Concat(new byte[HandshakeWire.NonceLength]).ToArray());

        Assert.AreEqual((byte)HandshakeStatus.UnsupportedVersion, await ReadByteAsync(raw));
        Assert.IsTrue(await raw.IsClosedByPeerWithinAsync(Bound));
        await AuditTrail.WaitForConnectEventAsync(broker, "unsupported-version");
    }

    [TestMethod]
    public async Task The_client_refuses_a_socket_that_cannot_prove_it_holds_the_secret()
    {
        // An impostor listening where the agent expects the broker: it answers with a proof made without the secret.
        string directory = Directory.CreateTempSubdirectory("privsep-impostor-").FullName;
        try
        {
            string socketPath = Path.Combine(directory, "broker.sock");
            using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(socketPath));
            listener.Listen(1);
            var impostor = Task.Run(async () =>
            {
                using var accepted = await listener.AcceptAsync();
                var hello = new byte[HandshakeWire.Magic.Length + HandshakeWire.NonceLength];
                await ReceiveExactlyAsync(accepted, hello);
                var reply = new byte[1 + HandshakeWire.NonceLength + HandshakeWire.MacLength];
                RandomNumberGenerator.Fill(reply.AsSpan(1));
                await accepted.SendAsync(reply);
                var proof = new byte[HandshakeWire.MacLength];
                int received = await accepted.ReceiveAsync(proof);
                return received;
            });

            var error = await Assert.ThrowsExactlyAsync<BrokerAuthenticationException>(() => TestClient.ConnectAsync(socketPath, TestSecrets.Secret));

            Assert.Contains("could not prove", error.Message);
            Assert.AreEqual(0, await impostor.WaitAsync(Bound), "the agent must not send its proof to a peer that failed to prove itself");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [TestMethod]
    public async Task A_user_the_policy_does_not_name_is_refused_with_a_message_naming_agents_users()
    {
        const string policy = """
            {
              "version": 1,
              "agents": { "users": ["nobody"] },
              "files": { "read": ["{root}/read/**"], "write": [], "deny": [] },
              "ping": { "targets": [] },
              "limits": { "handshakeTimeoutSeconds": 1 }
            }
            """;
        await using var broker = await TestBroker.StartAsync(policy);

        // Refused: that the client is reliably told why is A_refused_client_is_always_told_why.
        var error = await Assert.ThrowsAsync<Exception>(() => broker.ConnectAsync());
        Assert.IsTrue(error is IOException or SocketException, $"unexpected {error}");
        if (error is BrokerAuthenticationException)
        {
            Assert.Contains("agents.users", error.Message);
        }

        var entry = await AuditTrail.WaitForConnectEventAsync(broker, "user-not-allowed");
        Assert.AreEqual("deny", entry.Decision);
        Assert.AreEqual("agents.users", entry.Rule);
        Assert.AreEqual(0u, entry.Uid);
        Assert.AreEqual(Environment.ProcessId, entry.Pid);
    }

    [TestMethod]
    public async Task A_connection_that_sends_nothing_is_closed_after_the_handshake_timeout()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var silent = await RawConnection.ConnectAsync(broker);
        var clock = Stopwatch.StartNew();

        bool closed = await silent.IsClosedByPeerWithinAsync(Bound);

        Assert.IsTrue(closed, "the broker kept a silent connection open beyond the handshake timeout");
        Assert.IsGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(900), clock.Elapsed, "closed before the 1 s handshake timeout");
        var entry = await AuditTrail.WaitForConnectEventAsync(broker, "timeout");
        Assert.AreEqual("deny", entry.Decision);
    }

    [TestMethod]
    public async Task A_connection_beyond_maxConnections_is_refused_while_the_others_are_open()
    {
        await using var broker = await TestBroker.StartAsync(BusyPolicy);
        File.WriteAllText(Path.Combine(broker.Root, "read", "a.txt"), "a");
        var clients = new List<TestClient>();
        try
        {
            for (int i = 0; i < 4; i++)
            {
                clients.Add(await RunningACommandAsync(broker));
            }

            // Refused (none of the four is idle, so none is shed for the newcomer): how the client learns it is A_refused_connection_is_told_it_is_over_maxConnections.
            var error = await Assert.ThrowsAsync<Exception>(() => broker.ConnectAsync());
            Assert.IsTrue(error is IOException or SocketException, $"unexpected {error}");
            var entry = await AuditTrail.WaitForConnectEventAsync(broker, "too-many-connections");
            Assert.AreEqual("limits.maxConnections", entry.Rule);

            // The four admitted connections are unaffected.
            foreach (var client in clients)
            {
                Assert.AreEqual("a", await client.ReadTextAsync(Path.Combine(broker.Root, "read", "a.txt")));
            }

            // One leaves, and a newcomer gets its place.
            await clients[0].DisposeAsync();
            clients.RemoveAt(0);
            TestClient? newcomer = null;
            var clock = Stopwatch.StartNew();
            while (newcomer is null)
            {
                try
                {
                    newcomer = await broker.ConnectAsync();
                }
                catch (BrokerAuthenticationException) when (clock.Elapsed < Bound)
                {
                    await Task.Delay(50);
                }
            }

            clients.Add(newcomer);
            Assert.AreEqual("a", await newcomer.ReadTextAsync(Path.Combine(broker.Root, "read", "a.txt")));
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [TestMethod]
    public async Task A_refused_client_is_always_told_why()
    {
        await using (var busy = await TestBroker.StartAsync(BusyPolicy))
        {
            var clients = new List<TestClient>();
            try
            {
                for (int i = 0; i < 4; i++)
                {
                    clients.Add(await RunningACommandAsync(busy));
                }

                var error = await Assert.ThrowsExactlyAsync<BrokerAuthenticationException>(() => SlowHandshakeAsync(busy));
                Assert.Contains("maxConnections", error.Message);
                Assert.Contains(busy.SocketPath, error.Message);
            }
            finally
            {
                foreach (var client in clients)
                {
                    await client.DisposeAsync();
                }
            }
        }

        await using var strict = await TestBroker.StartAsync(TestBroker.DefaultPolicy.Replace("\"users\": [\"root\"]", "\"users\": [\"nobody\"]", StringComparison.Ordinal));
        var refused = await Assert.ThrowsExactlyAsync<BrokerAuthenticationException>(() => SlowHandshakeAsync(strict));
        Assert.Contains("agents.users", refused.Message);
    }

    /// <summary>
    /// A connection that is busy: it runs a command (waiting on its stdin, so it runs until the connection closes), so the
    /// broker does not shed it for a newcomer. An open listing would not do: listings do not protect from shedding.
    /// </summary>
    private static async Task<TestClient> RunningACommandAsync(TestBroker broker)
    {
        var client = await broker.ConnectAsync();
        await Exec.ExecTestSession.StartAsync(client, "/usr/bin/sh", "-c", "read line");
        return client;
    }

    /// <summary>A client that takes a moment between connect and hello (a loaded machine): deterministic where the race is not.</summary>
    private static async Task SlowHandshakeAsync(TestBroker broker)
    {
        await using var raw = await RawConnection.ConnectAsync(broker);
        await Task.Delay(300);
        await HandshakeClient.AuthenticateAsync(raw.Stream, new SharedSecret(Encoding.UTF8.GetBytes(TestSecrets.Secret)), broker.SocketPath, Bound);
    }

    [TestMethod]
    public async Task An_oversized_message_ends_that_connection_only()
    {
        await using var broker = await TestBroker.StartAsync();
        File.WriteAllText(Path.Combine(broker.Root, "read", "a.txt"), "a");
        await using var bystander = await broker.ConnectAsync();
        await using var raw = await RawConnection.ConnectAuthenticatedAsync(broker);

        // Only a header announcing 10 MB: the broker must refuse on the header, not wait to buffer the body.
        var header = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header, 10 * 1024 * 1024);
        await raw.Stream.WriteAsync(header);

        Assert.IsTrue(await raw.IsClosedByPeerWithinAsync(Bound), "the broker did not close a connection that announced a 10 MB message");
        var entry = await AuditTrail.WaitForConnectEventAsync(broker, "protocol-violation");
        Assert.Contains("exceeds", entry.Arg("detail") ?? string.Empty);
        await AssertStillServingAsync(broker, bystander);
    }

    [TestMethod]
    public async Task A_message_just_over_the_limit_ends_the_connection()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var raw = await RawConnection.ConnectAuthenticatedAsync(broker);

        var body = Encoding.UTF8.GetBytes("{\"jsonrpc\":\"2.0\",\"method\":\"file.stat\",\"id\":1,\"params\":[{\"path\":\"/" + new string('a', 65536) + "\"}]}");
        await raw.WriteFrameAsync(body);

        Assert.IsTrue(await raw.IsClosedByPeerWithinAsync(Bound));
        await AuditTrail.WaitForConnectEventAsync(broker, "protocol-violation");
    }

    [TestMethod]
    public async Task An_unknown_method_ends_that_connection_only()
    {
        await using var broker = await TestBroker.StartAsync();
        File.WriteAllText(Path.Combine(broker.Root, "read", "a.txt"), "a");
        await using var bystander = await broker.ConnectAsync();
        await using var offender = await broker.ConnectAsync();

        await Assert.ThrowsAsync<Exception>(() => offender.Rpc.InvokeAsync("no.such.method").WaitAsync(Bound));

        await offender.Rpc.Completion.ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(Bound);
        await Assert.ThrowsAsync<Exception>(() => offender.ReadTextAsync(Path.Combine(broker.Root, "read", "a.txt")).WaitAsync(Bound));
        var entry = await AuditTrail.WaitForConnectEventAsync(broker, "protocol-violation");
        Assert.Contains("no.such.method", entry.Arg("detail") ?? string.Empty);
        await AssertStillServingAsync(broker, bystander);
    }

    [TestMethod]
    public async Task Malformed_json_ends_that_connection_only()
    {
        await using var broker = await TestBroker.StartAsync();
        File.WriteAllText(Path.Combine(broker.Root, "read", "a.txt"), "a");
        await using var bystander = await broker.ConnectAsync();
        await using var raw = await RawConnection.ConnectAuthenticatedAsync(broker);

        await raw.WriteFrameAsync("{\"jsonrpc\":\"2.0\",\"method\":\"file.stat\", this is not json"u8.ToArray());

        Assert.IsTrue(await raw.IsClosedByPeerWithinAsync(Bound), "the broker kept a connection that sent malformed JSON");
        await AuditTrail.WaitForConnectEventAsync(broker, "protocol-violation");
        await AssertStillServingAsync(broker, bystander);
    }

    [TestMethod]
    public async Task A_request_with_malformed_arguments_ends_that_connection()
    {
        await using var broker = await TestBroker.StartAsync();
        File.WriteAllText(Path.Combine(broker.Root, "read", "a.txt"), "a");
        await using var bystander = await broker.ConnectAsync();
        await using var offender = await broker.ConnectAsync();

        await Assert.ThrowsAsync<Exception>(() => offender.Rpc.InvokeAsync<object>(BrokerMethods.OpenFile, 42, "not a token").WaitAsync(Bound));

        await offender.Rpc.Completion.ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(Bound);
        await Assert.ThrowsAsync<Exception>(() => offender.ReadTextAsync(Path.Combine(broker.Root, "read", "a.txt")).WaitAsync(Bound));
        await AssertStillServingAsync(broker, bystander);
    }

    [TestMethod]
    public async Task A_request_with_malformed_arguments_is_audited_as_a_protocol_violation()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var offender = await broker.ConnectAsync();

        await Assert.ThrowsAsync<Exception>(() => offender.Rpc.InvokeAsync<object>(BrokerMethods.OpenFile, 42, "not a token").WaitAsync(Bound));

        var entry = await AuditTrail.WaitForConnectEventAsync(broker, "protocol-violation");
        Assert.Contains("malformed", entry.Arg("detail") ?? string.Empty);
    }

    [TestMethod]
    public async Task A_zero_or_negative_frame_length_ends_the_connection()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var raw = await RawConnection.ConnectAuthenticatedAsync(broker);

        await raw.Stream.WriteAsync(new byte[] { 0xFF, 0xFF, 0xFF, 0xF0 });

        Assert.IsTrue(await raw.IsClosedByPeerWithinAsync(Bound));
    }

    [TestMethod]
    [DoNotParallelize]
    public async Task Sighup_reloads_the_policy_refusing_an_invalid_one_and_dropping_a_removed_user()
    {
        await using var broker = await TestBroker.StartAsync();
        string file = Path.Combine(broker.Root, "read", "a.txt");
        File.WriteAllText(file, "a");
        await using var client = await broker.ConnectAsync();
        Assert.AreEqual("a", await client.ReadTextAsync(file));

        // An invalid policy is refused and the old one stays in force.
        broker.WritePolicy("{ \"version\": 1, \"agents\": ");
        SendSighupToThisProcess();
        await Task.Delay(500);
        Assert.AreEqual("a", await client.ReadTextAsync(file));

        // A valid one takes effect on the open connection.
        broker.WritePolicy(TestBroker.DefaultPolicy.Replace("\"deny\": [", "\"deny\": [\"{root}/read/a.txt\", ", StringComparison.Ordinal));
        SendSighupToThisProcess();
        Assert.IsTrue(await EventuallyAsync(async () => await IsDeniedAsync(client, file)), "the reloaded policy never took effect");

        // A policy without this user: the open connection is dropped at its next request and new ones are refused.
        broker.WritePolicy(TestBroker.DefaultPolicy.Replace("\"users\": [\"root\"]", "\"users\": [\"nobody\"]", StringComparison.Ordinal));
        SendSighupToThisProcess();
        string other = Path.Combine(broker.Root, "read", "b.txt");
        File.WriteAllText(other, "b");
        Assert.IsTrue(await EventuallyAsync(async () =>
        {
            try
            {
                await client.ReadTextAsync(other).WaitAsync(Bound);
                return false;
            }
            catch (Exception ex) when (ex is RemoteInvocationException or ConnectionLostException or ObjectDisposedException or IOException)
            {
                return true;
            }
        }), "the connection of a user removed from the policy kept being served");
        Assert.IsTrue(AuditTrail.Read(broker).Any(e => e.Action == "file.open" && e.Rule == "agents.users" && e.Decision == "deny"), "the refusal of the removed user is audited");
        var refused = await Assert.ThrowsAsync<Exception>(() => broker.ConnectAsync());
        Assert.IsTrue(refused is IOException or SocketException, $"unexpected {refused}");
        await AuditTrail.WaitForConnectEventAsync(broker, "user-not-allowed");
    }

    private static void SendSighupToThisProcess() =>
        FileSystemFixtures.Run("kill", "-HUP", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static async Task<bool> IsDeniedAsync(TestClient client, string path)
    {
        try
        {
            await client.ReadTextAsync(path);
            return false;
        }
        catch (RemoteInvocationException ex) when (ex.ErrorCode == (int)BrokerErrorCode.PolicyDenied)
        {
            return true;
        }
    }

    private static async Task<bool> EventuallyAsync(Func<Task<bool>> condition)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Bound)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(50);
        }

        return false;
    }

    private static async Task AssertStillServingAsync(TestBroker broker, TestClient bystander)
    {
        string file = Path.Combine(broker.Root, "read", "a.txt");
        Assert.AreEqual("a", await bystander.ReadTextAsync(file).WaitAsync(Bound), "a connection opened before the violation must keep working");
        await using var newcomer = await broker.ConnectAsync();
        Assert.AreEqual("a", await newcomer.ReadTextAsync(file).WaitAsync(Bound), "a new connection must be served after the violation");
    }

    private static async Task<(byte[] AgentNonce, byte[] BrokerNonce)> SendHelloAsync(RawConnection raw, byte[]? agentNonce = null)
    {
        agentNonce ??= RandomNumberGenerator.GetBytes(HandshakeWire.NonceLength);
        await raw.Stream.WriteAsync(HandshakeWire.Magic.ToArray().Concat(agentNonce).ToArray());
        var reply = new byte[1 + HandshakeWire.NonceLength + HandshakeWire.MacLength];
        await raw.Stream.ReadExactlyAsync(reply).AsTask().WaitAsync(Bound);
        Assert.AreEqual((byte)HandshakeStatus.Proceed, reply[0]);
        return (agentNonce, reply.AsSpan(1, HandshakeWire.NonceLength).ToArray());
    }

    private static async Task<byte> ReadByteAsync(RawConnection raw)
    {
        var one = new byte[1];
        await raw.Stream.ReadExactlyAsync(one).AsTask().WaitAsync(Bound);
        return one[0];
    }

    private static async Task ReceiveExactlyAsync(Socket socket, byte[] buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int read = await socket.ReceiveAsync(buffer.AsMemory(total));
            if (read == 0)
            {
                throw new EndOfStreamException();
            }

            total += read;
        }
    }
}

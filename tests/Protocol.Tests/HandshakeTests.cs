using System.Text;
using PrivSep.Protocol.Handshake;
using PrivSep.Protocol.Transport;

namespace PrivSep.Protocol.Tests;

[TestClass]
public sealed class HandshakeTests
{
    private static readonly SharedSecret Secret = new(Encoding.UTF8.GetBytes("the-shared-secret-of-at-least-32-bytes!!"));
    private static readonly SharedSecret Other = new(Encoding.UTF8.GetBytes("a-different-secret-of-at-least-32-bytes!"));

    [TestMethod]
    public async Task Both_sides_with_the_same_secret_authenticate()
    {
        using var pair = await SocketPair.CreateAsync();
        await using var agent = new DescriptorSocketStream(pair.Client, true);
        await using var broker = new DescriptorSocketStream(pair.Server, false);
        var server = HandshakeServer.AcceptAsync(broker, Secret, TimeSpan.FromSeconds(5), CancellationToken.None);
        await HandshakeClient.AuthenticateAsync(agent, Secret, "/test.sock", TimeSpan.FromSeconds(5));
        Assert.AreEqual(HandshakeOutcome.Authenticated, await server);
    }

    [TestMethod]
    public async Task An_agent_with_the_wrong_secret_is_refused_and_told_so()
    {
        using var pair = await SocketPair.CreateAsync();
        await using var agent = new DescriptorSocketStream(pair.Client, true);
        await using var broker = new DescriptorSocketStream(pair.Server, false);
        var server = HandshakeServer.AcceptAsync(broker, Secret, TimeSpan.FromSeconds(5), CancellationToken.None);

        // The agent with the wrong secret first notices the broker's proof does not verify for it.
        var ex = await Assert.ThrowsExactlyAsync<BrokerAuthenticationException>(() => HandshakeClient.AuthenticateAsync(agent, Other, "/test.sock", TimeSpan.FromSeconds(5)));
        StringAssert.Contains(ex.Message, "could not prove it holds the shared secret");
        pair.Client.Shutdown(System.Net.Sockets.SocketShutdown.Both);
        Assert.AreNotEqual(HandshakeOutcome.Authenticated, await server);
    }

    [TestMethod]
    public async Task A_broker_rejects_an_agent_proof_made_with_another_secret()
    {
        using var pair = await SocketPair.CreateAsync();
        await using var agent = new DescriptorSocketStream(pair.Client, true);
        await using var broker = new DescriptorSocketStream(pair.Server, false);
        var server = HandshakeServer.AcceptAsync(broker, Secret, TimeSpan.FromSeconds(5), CancellationToken.None);

        // A hand-driven agent that trusts any broker but proves with the wrong key.
        byte[] nonce = new byte[HandshakeWire.NonceLength];
        await agent.WriteAsync(HandshakeWire.Magic.ToArray().Concat(nonce).ToArray());
        var reply = new byte[1 + HandshakeWire.NonceLength + HandshakeWire.MacLength];
        await agent.ReadExactlyAsync(reply);
        var brokerNonce = reply.AsSpan(1, HandshakeWire.NonceLength).ToArray();
        await agent.WriteAsync(HandshakeWire.ComputeProof(Other, HandshakeWire.AgentLabel, nonce, brokerNonce));
        var status = new byte[1];
        await agent.ReadExactlyAsync(status);

        Assert.AreEqual(HandshakeOutcome.BadProof, await server);
        Assert.AreEqual((byte)HandshakeStatus.AuthenticationFailed, status[0]);
    }

    [TestMethod]
    public async Task A_recorded_agent_proof_cannot_be_replayed_on_a_new_connection()
    {
        byte[] agentNonce = new byte[HandshakeWire.NonceLength];
        byte[] recordedProof;
        using (var first = await SocketPair.CreateAsync())
        {
            await using var agent = new DescriptorSocketStream(first.Client, true);
            await using var broker = new DescriptorSocketStream(first.Server, false);
            var server = HandshakeServer.AcceptAsync(broker, Secret, TimeSpan.FromSeconds(5), CancellationToken.None);
            await agent.WriteAsync(HandshakeWire.Magic.ToArray().Concat(agentNonce).ToArray());
            var reply = new byte[1 + HandshakeWire.NonceLength + HandshakeWire.MacLength];
            await agent.ReadExactlyAsync(reply);
            recordedProof = HandshakeWire.ComputeProof(Secret, HandshakeWire.AgentLabel, agentNonce, reply.AsSpan(1, HandshakeWire.NonceLength));
            await agent.WriteAsync(recordedProof);
            Assert.AreEqual(HandshakeOutcome.Authenticated, await server);
        }

        using var second = await SocketPair.CreateAsync();
        await using var replayer = new DescriptorSocketStream(second.Client, true);
        await using var broker2 = new DescriptorSocketStream(second.Server, false);
        var server2 = HandshakeServer.AcceptAsync(broker2, Secret, TimeSpan.FromSeconds(5), CancellationToken.None);
        await replayer.WriteAsync(HandshakeWire.Magic.ToArray().Concat(agentNonce).ToArray());
        await replayer.ReadExactlyAsync(new byte[1 + HandshakeWire.NonceLength + HandshakeWire.MacLength]);
        await replayer.WriteAsync(recordedProof);
        Assert.AreEqual(HandshakeOutcome.BadProof, await server2);
    }

    [TestMethod]
    public async Task A_silent_peer_is_dropped_when_the_handshake_time_runs_out()
    {
        using var pair = await SocketPair.CreateAsync();
        await using var broker = new DescriptorSocketStream(pair.Server, false);
        var started = DateTime.UtcNow;
        var outcome = await HandshakeServer.AcceptAsync(broker, Secret, TimeSpan.FromMilliseconds(300), CancellationToken.None);
        Assert.AreEqual(HandshakeOutcome.TimedOut, outcome);
        Assert.IsLessThan(5, (DateTime.UtcNow - started).TotalSeconds);
    }

    [TestMethod]
    public async Task Another_protocol_is_refused_as_an_unsupported_version()
    {
        using var pair = await SocketPair.CreateAsync();
        await using var agent = new DescriptorSocketStream(pair.Client, true);
        await using var broker = new DescriptorSocketStream(pair.Server, false);
        var server = HandshakeServer.AcceptAsync(broker, Secret, TimeSpan.FromSeconds(5), CancellationToken.None);
        await agent.WriteAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n" + new string('x', 20)));
        Assert.AreEqual(HandshakeOutcome.UnsupportedVersion, await server);
    }

    [TestMethod]
    public async Task A_refused_user_is_told_which_policy_key_to_change()
    {
        using var pair = await SocketPair.CreateAsync();
        await using var agent = new DescriptorSocketStream(pair.Client, true);
        await using var broker = new DescriptorSocketStream(pair.Server, false);
        await HandshakeServer.RefuseAsync(broker, HandshakeStatus.UserNotAllowed, CancellationToken.None);
        var ex = await Assert.ThrowsExactlyAsync<BrokerAuthenticationException>(() => HandshakeClient.AuthenticateAsync(agent, Secret, "/run/privsep/broker.sock", TimeSpan.FromSeconds(5)));
        StringAssert.Contains(ex.Message, "agents.users");
        StringAssert.Contains(ex.Message, "/run/privsep/broker.sock");
    }
}

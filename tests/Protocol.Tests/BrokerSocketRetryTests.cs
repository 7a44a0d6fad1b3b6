using System.Net.Sockets;
using System.Text;
using PrivSep.Protocol.Handshake;
using PrivSep.Protocol.Transport;

namespace PrivSep.Protocol.Tests;

/// <summary>
/// A broker whose handshake pool is full of young handshakes (a flood of silent connections) answers
/// <see cref="HandshakeStatus.TooManyHandshakes"/>: the agent tries again within its connect timeout instead of failing
/// the plugin's call, and gives up with the broker's reason once the timeout has passed.
/// </summary>
[TestClass]
public sealed class BrokerSocketRetryTests
{
    private static readonly SharedSecret Secret = new(Encoding.UTF8.GetBytes("the-shared-secret-of-at-least-32-bytes!!"));

    [TestMethod]
    public async Task An_agent_told_the_handshakes_are_full_tries_again_and_gets_in()
    {
        using var listener = Listen(out string path);
        var broker = ServeAsync(listener, refuseFirst: 3);

        await using var stream = await BrokerSocket.ConnectAsync(path, Secret, TimeSpan.FromSeconds(10));

        Assert.AreEqual(4, await broker, "three refusals, then the handshake that succeeded");
    }

    [TestMethod]
    public async Task An_agent_still_refused_when_its_timeout_ends_fails_with_the_brokers_reason()
    {
        using var listener = Listen(out string path);
        _ = ServeAsync(listener, refuseFirst: int.MaxValue);

        var ex = await Assert.ThrowsExactlyAsync<BrokerAuthenticationException>(() => BrokerSocket.ConnectAsync(path, Secret, TimeSpan.FromSeconds(1)));

        Assert.AreEqual(HandshakeStatus.TooManyHandshakes, ex.Status);
        StringAssert.Contains(ex.Message, "handshakes are in progress");
    }

    [TestMethod]
    public async Task Other_refusals_are_not_tried_again()
    {
        using var listener = Listen(out string path);
        var broker = ServeAsync(listener, refuseFirst: 1, refusal: HandshakeStatus.UserNotAllowed);

        var ex = await Assert.ThrowsExactlyAsync<BrokerAuthenticationException>(() => BrokerSocket.ConnectAsync(path, Secret, TimeSpan.FromSeconds(5)));

        Assert.AreEqual(HandshakeStatus.UserNotAllowed, ex.Status);
        listener.Dispose();
        Assert.AreEqual(1, await broker, "one connection only");
    }

    private static Socket Listen(out string path)
    {
        path = Path.Combine(Directory.CreateTempSubdirectory("privsep-retry-").FullName, "broker.sock");
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(16);
        return listener;
    }

    /// <returns>How many connections were accepted until the listener closed or one authenticated.</returns>
    private static async Task<int> ServeAsync(Socket listener, int refuseFirst, HandshakeStatus refusal = HandshakeStatus.TooManyHandshakes)
    {
        int accepted = 0;
        while (true)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync();
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                return accepted;
            }

            accepted++;
            await using var stream = new DescriptorSocketStream(client, acceptDescriptors: false);
            if (accepted <= refuseFirst)
            {
                await HandshakeServer.RefuseAsync(stream, refusal, CancellationToken.None);
                continue;
            }

            var outcome = await HandshakeServer.AcceptAsync(stream, Secret, TimeSpan.FromSeconds(5), CancellationToken.None);
            Assert.AreEqual(HandshakeOutcome.Authenticated, outcome);
            return accepted;
        }
    }
}

using System.Net;
using System.Net.NetworkInformation;
using PrivSep.Protocol.Contracts;
using PrivSep.Shim.Replacements;

namespace PrivSep.Shim.Tests.Replacements;

/// <summary>A real PingReply from the broker's answer, built through PingReply's internal constructor.</summary>
[TestClass]
public sealed class PingReplyFactoryTests
{
    [TestMethod]
    public void CarriesStatusAddressRoundTripBufferAndOptions()
    {
        var reply = PingReplyFactory.Create(new PingResponse(IPStatus.Success, "192.0.2.7", 42, [1, 2, 3], 57, true));

        Assert.AreEqual(IPStatus.Success, reply.Status);
        Assert.AreEqual(IPAddress.Parse("192.0.2.7"), reply.Address);
        Assert.AreEqual(42, reply.RoundtripTime);
        CollectionAssert.AreEqual(new byte[] { 1, 2, 3 }, reply.Buffer);
        Assert.IsNotNull(reply.Options);
        Assert.AreEqual(57, reply.Options.Ttl);
        Assert.IsTrue(reply.Options.DontFragment);
    }

    [TestMethod]
    public void AReplyWithoutTtlHasNoOptionsAndIPv6AddressesParse()
    {
        var reply = PingReplyFactory.Create(new PingResponse(IPStatus.TimedOut, "2001:db8::1", 0, [], null, false));

        Assert.AreEqual(IPStatus.TimedOut, reply.Status);
        Assert.AreEqual(IPAddress.Parse("2001:db8::1"), reply.Address);
        Assert.IsNull(reply.Options);
        Assert.IsEmpty(reply.Buffer);
    }

    [TestMethod]
    public void AnAnswerWithoutAnAddressStillBuildsAReply()
    {
        var reply = PingReplyFactory.Create(new PingResponse(IPStatus.DestinationHostUnreachable, null, 0, [], null, false));
        Assert.AreEqual(IPStatus.DestinationHostUnreachable, reply.Status);
        Assert.AreEqual(IPAddress.Any, reply.Address);
    }
}

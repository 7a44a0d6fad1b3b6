using PrivSep.Protocol.Contracts;
using PrivSep.Shim.Client;
using StreamJsonRpc;

namespace PrivSep.Shim.Tests.Client;

/// <summary>A broker error reaches the plugin as the exception the BCL throws for the same condition.</summary>
[TestClass]
public sealed class BrokerErrorMapperTests
{
    [TestMethod]
    public void A_name_too_long_is_a_PathTooLongException()
    {
        var remote = new RemoteInvocationException("The path '/srv/nnn' or one of its names is longer than the system allows.", (int)BrokerErrorCode.PathTooLong, new BrokerErrorData("/srv/nnn", null));

        var mapped = BrokerErrorMapper.ToException(remote, "/srv/nnn");

        Assert.IsInstanceOfType<PathTooLongException>(mapped);
        Assert.AreEqual(remote.Message, mapped.Message);
    }
}

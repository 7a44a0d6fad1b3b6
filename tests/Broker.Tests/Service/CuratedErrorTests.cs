using PrivSep.Broker.Service;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Broker.Tests.Service;

/// <summary>The client learns what the broker chose to say, never its internals (StreamJsonRpc would send any exception's message).</summary>
[TestClass]
public sealed class CuratedErrorTests
{
    [TestMethod]
    public void An_unexpected_exception_reaches_the_client_as_a_generic_internal_error()
    {
        var detail = CuratedJsonRpc.Curate("file.open", new InvalidOperationException("secret internal state: fd 17, /root/.key"));

        Assert.AreEqual((int)BrokerErrorCode.Internal, (int)detail.Code);
        Assert.DoesNotContain("secret", detail.Message!);
        Assert.DoesNotContain("/root", detail.Message!);
        Assert.IsNull(detail.Data);
    }

    [TestMethod]
    public void A_broker_refusal_keeps_its_code_message_path_and_rule()
    {
        var refusal = new BrokerActionException(BrokerErrorCode.PolicyDenied, "Access to the path '/etc/shadow' is denied.", "/etc/shadow", "files.deny[0]");
        var detail = CuratedJsonRpc.Curate("file.open", new AggregateException(refusal));

        Assert.AreEqual((int)BrokerErrorCode.PolicyDenied, (int)detail.Code);
        Assert.AreEqual(refusal.Message, detail.Message);
        Assert.AreEqual(new BrokerErrorData("/etc/shadow", "files.deny[0]"), detail.Data);
    }
}

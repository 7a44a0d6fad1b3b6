using System.Text;
using PrivSep.Broker.Service;
using PrivSep.Broker.Tests.Actions;
using PrivSep.Broker.Tests.Harness;
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

    /// <summary>Requests StreamJsonRpc itself rejects before any broker code runs: wrong types, wrong arity, no params.</summary>
    [TestMethod]
    [DataRow("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"file.stat\",\"params\":[42]}")]
    [DataRow("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"file.open\",\"params\":[{\"path\":\"/x\",\"mode\":\"sideways\"}]}")]
    [DataRow("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"file.stat\",\"params\":[{\"path\":\"/x\"}, 1, 2]}")]
    [DataRow("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"file.move\",\"params\":{\"nonsense\":true}}")]
    [DataRow("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"exec.start\",\"params\":[{\"path\":[1,2]}]}")]
    public async Task StreamJsonRpc_rejections_reach_the_client_without_internal_names(string request)
    {
        await using var broker = await TestBroker.StartAsync();
        await using var raw = await RawConnection.ConnectAuthenticatedAsync(broker);

        await raw.WriteFrameAsync(Encoding.UTF8.GetBytes(request));
        string answer = await raw.ReadFrameAsync(TimeSpan.FromSeconds(10));

        StringAssert.Contains(answer, "\"error\"");
        foreach (var internalName in new[] { "PrivSep.", "StreamJsonRpc", "System.", "Exception", "IBrokerService", "Async" })
        {
            Assert.DoesNotContain(internalName, answer, $"the client was told an internal name: {answer}");
        }
    }
}

using System.Text;
using System.Text.Json;
using PrivSep.Relay.Rpc;

namespace PrivSep.Relay.Tests.Rpc;

/// <summary>The broker's answers read: a result or an error for a request id; anything else breaks the protocol.</summary>
[TestClass]
public sealed class RpcResponseTests
{
    [TestMethod]
    public void AResult()
    {
        var response = Parse("""{"jsonrpc":"2.0","id":2,"result":{"Handle":1,"Pid":15029,"StdinDescriptor":0,"StdoutDescriptor":1,"StderrDescriptor":2}}""");

        Assert.AreEqual(2, response.Id);
        Assert.IsNull(response.Error);
        Assert.AreEqual(15029, response.Result.GetProperty("Pid").GetInt32());
    }

    [TestMethod]
    public void ANullResult()
    {
        var response = Parse("""{"jsonrpc":"2.0","id":4,"result":null}""");

        Assert.AreEqual(4, response.Id);
        Assert.IsNull(response.Error);
        Assert.AreEqual(JsonValueKind.Null, response.Result.ValueKind);
    }

    [TestMethod]
    public void AnErrorCarriesTheBrokersMessage()
    {
        // As captured from the broker, escapes and all.
        var response = Parse("""{"jsonrpc":"2.0","id":2,"error":{"code":1001,"message":"The command \u0027/usr/bin/true x\u0027 is denied by the PrivSep broker policy (exec: arguments match no rule for /usr/bin/true (closest: exec[0] \u0022/usr/bin/true\u0022)).","data":{"Path":"/usr/bin/true","Rule":"exec: arguments match no rule for /usr/bin/true (closest: exec[0] \u0022/usr/bin/true\u0022)"}}}""");

        Assert.AreEqual(2, response.Id);
        Assert.AreEqual("The command '/usr/bin/true x' is denied by the PrivSep broker policy (exec: arguments match no rule for /usr/bin/true (closest: exec[0] \"/usr/bin/true\")).", response.Error!.Message);
    }

    [TestMethod]
    [DataRow("""{"jsonrpc":"2.0","id":1,"result":""", "not valid JSON")]
    [DataRow("not JSON at all", "not valid JSON")]
    [DataRow("""[{"jsonrpc":"2.0","id":1,"result":null}]""", "it is not a JSON object")]
    [DataRow("""{"id":1,"result":null}""", "it is not JSON-RPC 2.0")]
    [DataRow("""{"jsonrpc":"1.0","id":1,"result":null}""", "it is not JSON-RPC 2.0")]
    [DataRow("""{"jsonrpc":"2.0","result":null}""", "it has no numeric id")]
    [DataRow("""{"jsonrpc":"2.0","id":"1","result":null}""", "it has no numeric id")]
    [DataRow("""{"jsonrpc":"2.0","id":1.5,"result":null}""", "it has no numeric id")]
    [DataRow("""{"jsonrpc":"2.0","method":"exec.kill","params":[]}""", "it has no numeric id")]
    [DataRow("""{"jsonrpc":"2.0","id":1}""", "it has neither a result nor an error")]
    [DataRow("""{"jsonrpc":"2.0","id":1,"error":{"code":1001}}""", "its error has no numeric code or no message")]
    [DataRow("""{"jsonrpc":"2.0","id":1,"error":{"message":"no"}}""", "its error has no numeric code or no message")]
    [DataRow("""{"jsonrpc":"2.0","id":1,"error":"no"}""", "its error has no numeric code or no message")]
    public void AnythingElseBreaksTheProtocol(string message, string why)
    {
        var error = Assert.ThrowsExactly<RpcProtocolException>(() => Parse(message));

        StringAssert.Contains(error.Message, why);
    }

    private static RpcResponse Parse(string json) => RpcResponse.Parse(Encoding.UTF8.GetBytes(json));
}

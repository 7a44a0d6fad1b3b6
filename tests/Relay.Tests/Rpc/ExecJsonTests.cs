using System.Text.Json;
using PrivSep.Protocol.Contracts;
using PrivSep.Relay.Rpc;

namespace PrivSep.Relay.Tests.Rpc;

/// <summary>The exec results read from the broker's answers (as captured), every property present and of its type.</summary>
[TestClass]
public sealed class ExecJsonTests
{
    [TestMethod]
    public void AStartedCommand() => Assert.AreEqual(
        new ExecStartResponse(1, 15029, 0, 1, 2),
        ExecJson.ReadStarted(Result("""{"Handle":1,"Pid":15029,"StdinDescriptor":0,"StdoutDescriptor":1,"StderrDescriptor":2}""")));

    [TestMethod]
    public void AnEndedCommand() => Assert.AreEqual(
        new ExecWaitResponse(true, 143, 15, false, true, 65536, 12, 1068),
        ExecJson.ReadEnded(Result("""{"Exited":true,"ExitCode":143,"Signal":15,"TimedOut":false,"OutputLimitReached":true,"StdoutBytes":65536,"StderrBytes":12,"DurationMilliseconds":1068}""")));

    [TestMethod]
    public void PropertiesInAnotherOrderOrBeyondTheRecordsAreRead() => Assert.AreEqual(
        new ExecStartResponse(9, 2, 3, 4, 5),
        ExecJson.ReadStarted(Result("""{"StderrDescriptor":5,"Pid":2,"Later":"x","Handle":9,"StdoutDescriptor":4,"StdinDescriptor":3}""")));

    [TestMethod]
    [DataRow("null", "it is Null, not an object")]
    [DataRow("""[1,2,3,4,5]""", "it is Array, not an object")]
    [DataRow("""{"Handle":1,"StdinDescriptor":0,"StdoutDescriptor":1,"StderrDescriptor":2}""", "it has no Pid")]
    [DataRow("""{"Handle":1,"Pid":"15029","StdinDescriptor":0,"StdoutDescriptor":1,"StderrDescriptor":2}""", "its Pid is not a 32-bit integer")]
    [DataRow("""{"Handle":1,"Pid":4294967296,"StdinDescriptor":0,"StdoutDescriptor":1,"StderrDescriptor":2}""", "its Pid is not a 32-bit integer")]
    [DataRow("""{"Handle":1.5,"Pid":1,"StdinDescriptor":0,"StdoutDescriptor":1,"StderrDescriptor":2}""", "its Handle is not a 64-bit integer")]
    public void AMalformedStartResultIsRefused(string json, string why) =>
        Assert.AreEqual(why, Assert.ThrowsExactly<JsonException>(() => ExecJson.ReadStarted(Result(json))).Message);

    [TestMethod]
    [DataRow("""{"Exited":1,"ExitCode":0,"Signal":0,"TimedOut":false,"OutputLimitReached":false,"StdoutBytes":0,"StderrBytes":0,"DurationMilliseconds":5}""", "its Exited is not true or false")]
    [DataRow("""{"Exited":true,"ExitCode":0,"Signal":0,"TimedOut":false,"OutputLimitReached":false,"StdoutBytes":0,"StderrBytes":0}""", "it has no DurationMilliseconds")]
    public void AMalformedEndResultIsRefused(string json, string why) =>
        Assert.AreEqual(why, Assert.ThrowsExactly<JsonException>(() => ExecJson.ReadEnded(Result(json))).Message);

    private static JsonElement Result(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}

using PrivSep.Protocol.Contracts;
using PrivSep.Relay.Tests.Support;

namespace PrivSep.Relay.Tests;

/// <summary>
/// The relay's side of a brokered command over a real socket, against a broker scripted by each test: the requests it
/// sends, how it reads the answers however they arrive, and the exit code and message each way of failing ends it with.
/// </summary>
[TestClass]
public sealed class BrokeredCommandTests
{
    private const string WaitRequest = """{"jsonrpc":"2.0","id":2,"method":"exec.wait","params":[{"Handle":1,"TimeoutMilliseconds":10000}]}""";
    private static readonly RelayCommandLine True = new("/usr/bin/true", [], null);
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(10);

    [TestMethod]
    public async Task StartsTheCommandAndTakesItsDescriptorsFromAnAnswerThatArrivesInPieces()
    {
        using var broker = await ScriptedBroker.ConnectAsync();
        var starting = StartAsync(broker, new RelayCommandLine("/usr/sbin/smartctl", ["-H", "/dev/sda"], "DiskHealth"));

        Assert.AreEqual(
            """{"jsonrpc":"2.0","id":1,"method":"exec.start","params":[{"Path":"/usr/sbin/smartctl","Arguments":["-H","/dev/sda"],"Plugin":"DiskHealth"}]}""",
            await broker.ReadRequestAsync());
        broker.AttachDescriptors(3);
        await broker.SendAsync(ScriptedBroker.Frame(ScriptedBroker.StartedJson), inPieces: true);
        var command = await starting.WaitAsync(Generous);

        Assert.AreEqual(15029, command.Pid);
        Assert.IsFalse(command.Stdin.IsInvalid);
        Assert.IsFalse(command.Stdout.IsInvalid);
        Assert.IsFalse(command.Stderr.IsInvalid);
        Assert.AreEqual(0, broker.Client.Received.UnclaimedCount, "all three descriptors are the command's");
    }

    [TestMethod]
    public async Task ARefusalEndsTheRelayWith126AndTheBrokersReason()
    {
        using var broker = await ScriptedBroker.ConnectAsync();
        var starting = StartAsync(broker, True);
        await broker.ReadRequestAsync();

        await broker.AnswerAsync("""{"jsonrpc":"2.0","id":1,"error":{"code":1001,"message":"The command \u0027/usr/bin/true\u0027 is denied by the PrivSep broker policy (default deny).","data":{"Path":"/usr/bin/true","Rule":"default deny"}}}""");

        Assert.AreEqual("the PrivSep broker refused to run '/usr/bin/true': The command '/usr/bin/true' is denied by the PrivSep broker policy (default deny).", await FailureAsync(starting, RelayExitCodes.CommandRefused));
    }

    [TestMethod]
    public async Task WaitAsksAgainUntilTheCommandHasExited()
    {
        using var broker = await ScriptedBroker.ConnectAsync();
        var command = await StartedAsync(broker);
        var waiting = command.WaitForExitAsync(CancellationToken.None);

        Assert.AreEqual(WaitRequest, await broker.ReadRequestAsync());
        await broker.AnswerAsync("""{"jsonrpc":"2.0","id":2,"result":{"Exited":false,"ExitCode":0,"Signal":0,"TimedOut":false,"OutputLimitReached":false,"StdoutBytes":0,"StderrBytes":0,"DurationMilliseconds":0}}""");
        Assert.AreEqual(WaitRequest.Replace("\"id\":2", "\"id\":3", StringComparison.Ordinal), await broker.ReadRequestAsync());
        await broker.AnswerAsync("""{"jsonrpc":"2.0","id":3,"result":{"Exited":true,"ExitCode":3,"Signal":0,"TimedOut":false,"OutputLimitReached":false,"StdoutBytes":10,"StderrBytes":0,"DurationMilliseconds":12000}}""");

        var end = await waiting.WaitAsync(Generous);
        Assert.AreEqual(3, end.ExitCode);
        Assert.AreEqual(10, end.StdoutBytes);
    }

    [TestMethod]
    public async Task ASignalIsForwardedWhileTheWaitIsInFlightAndEachAnswerFindsItsRequest()
    {
        using var broker = await ScriptedBroker.ConnectAsync();
        var command = await StartedAsync(broker);
        var waiting = command.WaitForExitAsync(CancellationToken.None);
        Assert.AreEqual(WaitRequest, await broker.ReadRequestAsync());

        var signalling = command.SignalAsync(15, CancellationToken.None);

        Assert.AreEqual("""{"jsonrpc":"2.0","id":3,"method":"exec.signal","params":[{"Handle":1,"Signal":15}]}""", await broker.ReadRequestAsync());
        // As captured: the signal's answer first, then the wait's, in one write.
        await broker.SendAsync([
            .. ScriptedBroker.Frame("""{"jsonrpc":"2.0","id":3,"result":null}"""),
            .. ScriptedBroker.Frame("""{"jsonrpc":"2.0","id":2,"result":{"Exited":true,"ExitCode":143,"Signal":15,"TimedOut":false,"OutputLimitReached":false,"StdoutBytes":0,"StderrBytes":0,"DurationMilliseconds":1068}}"""),
        ]);

        await signalling.WaitAsync(Generous);
        var end = await waiting.WaitAsync(Generous);
        Assert.AreEqual(143, end.ExitCode);
        Assert.AreEqual(15, end.Signal);
    }

    [TestMethod]
    public async Task ARefusedSignalIsTheBrokersErrorForTheForwarderToReport()
    {
        using var broker = await ScriptedBroker.ConnectAsync();
        var command = await StartedAsync(broker);

        var signalling = command.SignalAsync(15, CancellationToken.None);
        await broker.ReadRequestAsync();
        await broker.AnswerAsync("""{"jsonrpc":"2.0","id":2,"error":{"code":1002,"message":"No command has handle 1 on this connection.","data":{"Path":null,"Rule":null}}}""");

        var error = await Assert.ThrowsAsync<Exception>(() => signalling.WaitAsync(Generous));
        Assert.AreEqual("No command has handle 1 on this connection.", error.Message);
    }

    [TestMethod]
    public async Task AnErrorForTheWaitEndsTheRelayWith125()
    {
        using var broker = await ScriptedBroker.ConnectAsync();
        var command = await StartedAsync(broker);
        var waiting = command.WaitForExitAsync(CancellationToken.None);
        await broker.ReadRequestAsync();

        await broker.AnswerAsync("""{"jsonrpc":"2.0","id":2,"error":{"code":1008,"message":"An exec.wait timeout must be between 1 and 10000 ms.","data":{"Path":null,"Rule":null}}}""");

        Assert.AreEqual("the PrivSep broker could not tell how the command ended: An exec.wait timeout must be between 1 and 10000 ms.", await FailureAsync(waiting, RelayExitCodes.RelayFailed));
    }

    [TestMethod]
    public async Task TheBrokerClosingTheConnectionDuringTheWaitEndsTheRelayWith125()
    {
        using var broker = await ScriptedBroker.ConnectAsync();
        var command = await StartedAsync(broker);
        var waiting = command.WaitForExitAsync(CancellationToken.None);
        await broker.ReadRequestAsync();

        broker.Close();

        Assert.AreEqual("the connection to the PrivSep broker was lost (the broker closed the connection); the broker ends a command whose connection closes. Check the broker's log.", await FailureAsync(waiting, RelayExitCodes.RelayFailed));
    }

    [TestMethod]
    public async Task ARequestAfterTheConnectionWasLostFailsAtOnceWithTheSameCause()
    {
        using var broker = await ScriptedBroker.ConnectAsync();
        var command = await StartedAsync(broker);
        broker.Close();
        string first = await FailureAsync(command.WaitForExitAsync(CancellationToken.None), RelayExitCodes.RelayFailed);

        string again = await FailureAsync(command.WaitForExitAsync(CancellationToken.None), RelayExitCodes.RelayFailed);

        Assert.AreEqual(first, again);
    }

    [TestMethod]
    [DataRow(
        """{"jsonrpc":"2.0","id":1,"result":{"Handle":1,"Pid":15029""",
        "the PrivSep broker's answer broke the protocol: an answer is not valid JSON (",
        DisplayName = "malformed JSON")]
    [DataRow(
        """{"jsonrpc":"2.0","id":7,"result":null}""",
        "the PrivSep broker's answer broke the protocol: an answer names request 7, which was never sent or was already answered;",
        DisplayName = "an answer to no request")]
    [DataRow(
        """{"jsonrpc":"2.0","id":1,"result":{"Handle":1,"StdinDescriptor":0,"StdoutDescriptor":1,"StderrDescriptor":2}}""",
        "the PrivSep broker's answer broke the protocol: the result of exec.start is malformed (it has no Pid);",
        DisplayName = "a result without a property of its record")]
    [DataRow(
        """{"jsonrpc":"2.0","id":1,"result":null}""",
        "the PrivSep broker's answer broke the protocol: the result of exec.start is malformed (it is Null, not an object);",
        DisplayName = "no result")]
    public async Task AnAnswerThatBreaksTheProtocolEndsTheRelayWith125(string answer, string expectedStart)
    {
        using var broker = await ScriptedBroker.ConnectAsync();
        var starting = StartAsync(broker, True);
        await broker.ReadRequestAsync();

        await broker.AnswerAsync(answer);

        StringAssert.StartsWith(await FailureAsync(starting, RelayExitCodes.RelayFailed), expectedStart);
    }

    [TestMethod]
    public async Task AnAnswerLongerThanTheLimitEndsTheRelayWith125WithoutBeingRead()
    {
        using var broker = await ScriptedBroker.ConnectAsync(maxMessageBytes: 1024);
        var starting = StartAsync(broker, True);
        await broker.ReadRequestAsync();

        // Only the header: the relay must not wait for the megabyte it announces.
        await broker.SendAsync([0x00, 0x10, 0x00, 0x00]);

        StringAssert.StartsWith(await FailureAsync(starting, RelayExitCodes.RelayFailed), "the PrivSep broker's answer broke the protocol: a message announced 1048576 bytes, outside 1 to 1024;");
    }

    /// <summary>The message of the relay failure <paramref name="task"/> ends with, which must carry <paramref name="exitCode"/>.</summary>
    private static async Task<string> FailureAsync(Task task, int exitCode)
    {
        var failure = await Assert.ThrowsExactlyAsync<RelayFailure>(() => task.WaitAsync(Generous));
        Assert.AreEqual(exitCode, failure.ExitCode);
        return failure.Message;
    }

    private static Task<BrokeredCommand> StartAsync(ScriptedBroker broker, RelayCommandLine command) =>
        BrokeredCommand.StartAsync(broker.Client, command, BrokeredCommand.StartRequest(command), CancellationToken.None);

    /// <summary>A command started on the scripted connection (request id 1), its descriptors taken.</summary>
    private static Task<BrokeredCommand> StartedAsync(ScriptedBroker broker) => broker.StartCommandAsync(True);
}

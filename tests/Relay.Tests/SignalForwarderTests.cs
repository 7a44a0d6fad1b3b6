using PrivSep.Relay.Tests.Support;

namespace PrivSep.Relay.Tests;

/// <summary>
/// What the relay does with a signal at each point of a command's life, against a scripted broker: held while the
/// start is in flight, forwarded while the command runs, dropped once its end is known, and a refusal that crossed
/// the end kept off the plugin's stderr. Signals are handed to the forwarder directly (a real SIGTERM to the test host
/// would reach every registration in it); the registration itself is tested with the relay as a process.
/// </summary>
[TestClass]
public sealed class SignalForwarderTests
{
    private const string RefusedJson = """{"jsonrpc":"2.0","id":2,"error":{"code":1002,"message":"No command has handle 1 on this connection.","data":{"Path":null,"Rule":null}}}""";
    private static readonly RelayCommandLine Sleep = new("/usr/bin/sleep", ["30"], null);
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(10);

    [TestMethod]
    public async Task ASignalBeforeTheCommandStartedIsForwardedOnceItHas()
    {
        using var broker = await ScriptedBroker.ConnectAsync();
        using var forwarder = new SignalForwarder();

        await forwarder.Receive(15, "SIGTERM");
        var command = await broker.StartCommandAsync(Sleep);
        var forwarding = forwarder.ForwardTo(command);

        Assert.AreEqual("""{"jsonrpc":"2.0","id":2,"method":"exec.signal","params":[{"Handle":1,"Signal":15}]}""", await broker.ReadRequestAsync());
        await broker.AnswerAsync("""{"jsonrpc":"2.0","id":2,"result":null}""");
        await forwarding.WaitAsync(Generous);
    }

    [TestMethod]
    public async Task ASignalAfterTheEndIsKnownIsNotSent()
    {
        using var broker = await ScriptedBroker.ConnectAsync();
        using var forwarder = new SignalForwarder();
        var command = await broker.StartCommandAsync(Sleep);
        await forwarder.ForwardTo(command);

        forwarder.CommandEnded();
        await forwarder.Receive(15, "SIGTERM");
        _ = command.SignalAsync(2, CancellationToken.None);

        // Request ids are taken in call order: a forwarded SIGTERM would have been request 2.
        Assert.AreEqual("""{"jsonrpc":"2.0","id":2,"method":"exec.signal","params":[{"Handle":1,"Signal":2}]}""", await broker.ReadRequestAsync());
    }

    [TestMethod]
    public async Task ARefusalThatCrossedTheCommandsEndIsNotReported()
    {
        using var broker = await ScriptedBroker.ConnectAsync();
        using var forwarder = new SignalForwarder();
        var command = await broker.StartCommandAsync(Sleep);
        await forwarder.ForwardTo(command);

        string stderr = await CapturingStderrAsync(async () =>
        {
            var forwarding = forwarder.Receive(15, "SIGTERM");
            await broker.ReadRequestAsync();

            // As the broker may order them: the handle was freed by the final exec.wait, whose answer comes just after.
            await broker.AnswerAsync(RefusedJson);
            await Task.Delay(100);
            forwarder.CommandEnded();
            await forwarding.WaitAsync(Generous);
        });

        Assert.AreEqual(string.Empty, stderr);
    }

    [TestMethod]
    public async Task ARefusalWithNoEndFollowingIsReported()
    {
        using var broker = await ScriptedBroker.ConnectAsync();
        using var forwarder = new SignalForwarder();
        var command = await broker.StartCommandAsync(Sleep);
        await forwarder.ForwardTo(command);

        string stderr = await CapturingStderrAsync(async () =>
        {
            var forwarding = forwarder.Receive(15, "SIGTERM");
            await broker.ReadRequestAsync();
            await broker.AnswerAsync(RefusedJson);
            await forwarding.WaitAsync(Generous);
        });

        Assert.AreEqual("privsep-relay: could not forward SIGTERM to the command: No command has handle 1 on this connection." + Environment.NewLine, stderr);
    }

    /// <summary>What <see cref="RelayConsole"/> wrote while <paramref name="action"/> ran.</summary>
    private static async Task<string> CapturingStderrAsync(Func<Task> action)
    {
        var original = Console.Error;
        using var captured = new StringWriter();
        Console.SetError(captured);
        try
        {
            await action();
        }
        finally
        {
            Console.SetError(original);
        }

        return captured.ToString();
    }
}

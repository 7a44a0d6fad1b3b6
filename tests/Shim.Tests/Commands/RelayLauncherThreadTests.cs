using System.Diagnostics;
using System.Net.Sockets;
using PrivSep.Protocol.Contracts;
using PrivSep.Shim.Commands;
using PrivSep.Shim.Replacements;
using PrivSep.Shim.Tests.Support;

namespace PrivSep.Shim.Tests.Commands;

/// <summary>
/// The real privsep-relay asks the kernel to kill it when its parent goes, and the kernel's "parent" is the thread that
/// forked it. These tests start the relay against a broker socket that accepts and then stays silent (the relay waits
/// there, in its handshake, for a few seconds) and let the starting thread end.
/// </summary>
[TestClass]
public sealed class RelayLauncherThreadTests
{
    private static readonly string RelayDll = Path.Combine(AppContext.BaseDirectory, "privsep-relay.dll");

    [TestMethod]
    public void RunsOnOneLongLivedThreadOfItsOwn()
    {
        int first = RelayLauncherThread.Run(() => Environment.CurrentManagedThreadId);
        int second = Task.Run(() => RelayLauncherThread.Run(() => Environment.CurrentManagedThreadId)).Result;

        Assert.AreEqual(RelayLauncherThread.ManagedThreadId, first);
        Assert.AreEqual(first, second);
        Assert.AreNotEqual(Environment.CurrentManagedThreadId, first);
        Assert.ThrowsExactly<InvalidOperationException>(() => RelayLauncherThread.Run<int>(() => throw new InvalidOperationException("passed on")));
    }

    [TestMethod]
    public void ARelayTheShimStartedOutlivesThePluginThreadThatStartedIt()
    {
        using var temp = new TempDirectory();
        using var silentBroker = SilentBroker(temp["broker.sock"]);
        using var scope = RoutingScope.AllToBroker(new DirectBrokerActions { CommandAnswer = _ => new ExecCheckResponse(ExecRoute.Broker, "exec[0]") }).WithRelay(RelayDll);
        ShimSettings.Current = ShimSettings.Current with { SocketPath = temp["broker.sock"], SecretFilePath = temp.Write("agent.secret", Convert.ToBase64String(new byte[32])) };

        using var relay = StartOnAThreadThatEnds(silentBroker, () => ProcessShims.Start(new ProcessStartInfo("/usr/bin/id") { RedirectStandardError = true })!);

        Assert.IsFalse(relay.WaitForExit(TimeSpan.FromSeconds(1)), $"the relay ended (exit code {(relay.HasExited ? relay.ExitCode : 0)}) with the thread that started it");
        relay.Kill();
    }

    [TestMethod]
    public void StartedFromAnEndingThreadWithoutTheLauncherTheRelayIsKilled()
    {
        // The hazard the launcher thread exists for: the same relay, started by the original Process.Start on a thread
        // that then ends, is killed by the kernel with SIGKILL.
        using var temp = new TempDirectory();
        using var silentBroker = SilentBroker(temp["broker.sock"]);
        var start = new ProcessStartInfo(DotnetHost(), [RelayDll, "--", "/usr/bin/id"]) { RedirectStandardError = true };
        start.Environment["PRIVSEP_SOCKET"] = temp["broker.sock"];
        start.Environment["PRIVSEP_SECRET_FILE"] = temp.Write("agent.secret", Convert.ToBase64String(new byte[32]));

        using var relay = StartOnAThreadThatEnds(silentBroker, () => Process.Start(start)!);

        Assert.IsTrue(relay.WaitForExit(TimeSpan.FromSeconds(10)), "the relay was expected to be killed");
        Assert.AreEqual(128 + 9, relay.ExitCode);
    }

    /// <summary>Accepts connections and never says a word, so a connected relay waits in its handshake.</summary>
    private static Socket SilentBroker(string path)
    {
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen();
        return listener;
    }

    /// <summary>
    /// Starts the relay on a new thread that ends once the relay has connected (so it has set its death signal by then,
    /// which it does first of all), and returns the relay's process.
    /// </summary>
    private static Process StartOnAThreadThatEnds(Socket silentBroker, Func<Process> start)
    {
        Process? started = null;
        Socket? connection = null;
        var thread = new Thread(() =>
        {
            started = start();
            connection = silentBroker.Accept();
        });
        thread.Start();
        Assert.IsTrue(thread.Join(TimeSpan.FromSeconds(30)), "the relay never connected");
        GC.KeepAlive(connection);
        return started!;
    }

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..", "..", "dotnet");
}

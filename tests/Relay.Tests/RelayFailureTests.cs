using System.Globalization;
using System.Net.Sockets;
using PrivSep.Protocol;

namespace PrivSep.Relay.Tests;

/// <summary>
/// The relay run as a process when it cannot do its work: one line on stderr that names the cause and the fix, and exit
/// code 125 (the relay failed) — never a stack trace, never the command's own exit codes.
/// </summary>
[TestClass]
public sealed class RelayFailureTests
{
    private static readonly string[] Command = ["--plugin", "RelayTests", "--", "/usr/bin/head", "-c", "16", "/etc/hostname"];

    private string folder = null!;

    private string SecretPath => Path.Combine(this.folder, "agent.secret");

    [TestInitialize]
    public void CreateFolder()
    {
        this.folder = Directory.CreateTempSubdirectory("privsep-relay-test-").FullName;
        File.WriteAllText(this.SecretPath, Convert.ToBase64String(new byte[32]));
    }

    [TestCleanup]
    public void RemoveFolder() => Directory.Delete(this.folder, recursive: true);

    [TestMethod]
    public void NoSocketWhereTheBrokerShouldListen()
    {
        string socket = Path.Combine(this.folder, "broker.sock");

        var (exitCode, stdout, stderr) = RelayProcess.Run(Command, this.Environment(socket, this.SecretPath));

        Assert.AreEqual(125, exitCode);
        Assert.AreEqual(string.Empty, stdout);
        StringAssert.StartsWith(OneLine(stderr), $"privsep-relay: The PrivSep broker is not reachable at '{socket}': no such socket.");
        StringAssert.Contains(stderr, "PRIVSEP_SOCKET");
    }

    [TestMethod]
    public void SocketWithoutListener()
    {
        string socket = Path.Combine(this.folder, "stopped.sock");
        // Bound but not listening: connecting is refused, as with the socket file a crashed broker leaves behind.
        using var stopped = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        stopped.Bind(new UnixDomainSocketEndPoint(socket));

        var (exitCode, _, stderr) = RelayProcess.Run(Command, this.Environment(socket, this.SecretPath));

        Assert.AreEqual(125, exitCode);
        StringAssert.StartsWith(OneLine(stderr), $"privsep-relay: The PrivSep broker is not reachable at '{socket}': the socket exists but nothing is listening");
    }

    [TestMethod]
    public void SecretFileMissing()
    {
        string secret = Path.Combine(this.folder, "missing.secret");

        var (exitCode, _, stderr) = RelayProcess.Run(Command, this.Environment(Path.Combine(this.folder, "broker.sock"), secret));

        Assert.AreEqual(125, exitCode);
        StringAssert.StartsWith(OneLine(stderr), $"privsep-relay: The shared secret file '{secret}' does not exist: create it with `head -c 32 /dev/urandom | base64 > {secret}`");
    }

    [TestMethod]
    public void CommandLineNotUnderstood()
    {
        var (exitCode, _, stderr) = RelayProcess.Run(["--", "head", "-c", "16"], this.Environment(Path.Combine(this.folder, "broker.sock"), this.SecretPath));

        Assert.AreEqual(125, exitCode);
        StringAssert.StartsWith(OneLine(stderr), "privsep-relay: 'head' is not an absolute path");
    }

    [TestMethod]
    public void HelpPrintsUsageAndSucceeds()
    {
        var (exitCode, stdout, stderr) = RelayProcess.Run(["--help"], new Dictionary<string, string?>());

        Assert.AreEqual(0, exitCode);
        Assert.AreEqual(string.Empty, stderr);
        StringAssert.StartsWith(stdout, "usage: privsep-relay [--plugin NAME] [--stdin] -- PATH [ARG...]");
        StringAssert.Contains(stdout, "125");
        StringAssert.Contains(stdout, "126");
    }

    [TestMethod]
    public void ParentOtherThanTheOneNamedEndsTheRelayAtOnce()
    {
        // pid 1 is never the parent of a process this test starts.
        var (exitCode, message) = this.RunWithParent("1");

        Assert.AreEqual(125, exitCode);
        StringAssert.StartsWith(message, "privsep-relay: the process that started the relay (pid 1) has ended");
    }

    [TestMethod]
    public void ParentThatIsTheOneNamedLetsTheRelayGoOn()
    {
        // The relay is started by the dotnet process running these tests: with its pid named, the relay goes on to the broker.
        var (exitCode, message) = this.RunWithParent(System.Environment.ProcessId.ToString(CultureInfo.InvariantCulture));

        Assert.AreEqual(125, exitCode);
        StringAssert.StartsWith(message, "privsep-relay: The PrivSep broker is not reachable");
    }

    [TestMethod]
    public void MalformedParentIsRefused()
    {
        var (exitCode, message) = this.RunWithParent("12x");

        Assert.AreEqual(125, exitCode);
        Assert.AreEqual("privsep-relay: PRIVSEP_RELAY_PARENT='12x' is not a process id.", message);
    }

    private static string OneLine(string stderr)
    {
        string[] lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.HasCount(1, lines, "the relay must say what went wrong in exactly one line; it wrote:\n" + stderr);
        return lines[0];
    }

    /// <summary>Runs the relay with PRIVSEP_RELAY_PARENT set and no broker; returns its exit code and its one line of stderr.</summary>
    private (int ExitCode, string Message) RunWithParent(string parent)
    {
        var environment = this.Environment(Path.Combine(this.folder, "broker.sock"), this.SecretPath);
        environment["PRIVSEP_RELAY_PARENT"] = parent;
        var (exitCode, _, stderr) = RelayProcess.Run(Command, environment);
        return (exitCode, OneLine(stderr));
    }

    private Dictionary<string, string?> Environment(string socket, string secret) => new()
    {
        [ProtocolDefaults.SocketEnvironmentVariable] = socket,
        [ProtocolDefaults.SecretFileEnvironmentVariable] = secret,
        ["PRIVSEP_RELAY_PARENT"] = null,
    };
}

using System.ComponentModel;
using PrivSep.Protocol.Contracts;
using PrivSep.Shim.Commands;
using PrivSep.Shim.Tests.Support;

namespace PrivSep.Shim.Tests.Commands;

[TestClass]
public sealed class RelayInvocationTests
{
    private static readonly ExecRequest Command = new("/usr/sbin/smartctl", ["-a", "/dev/sda"], "DiskHealth");

    [TestMethod]
    public void AnExecutableRelayIsRunItself()
    {
        using var temp = new TempDirectory();
        string relay = temp.WriteScript("privsep-relay", "exit 0");
        var settings = new ShimSettings { RelayPath = relay, SocketPath = "/run/x/broker.sock", SecretFilePath = "/etc/x/agent.secret" };

        var invocation = RelayInvocation.For(Command, stdinRedirected: false, settings, workingDirectory: null);

        Assert.AreEqual(relay, invocation.FileName);
        CollectionAssert.AreEqual(new[] { "--plugin", "DiskHealth", "--", "/usr/sbin/smartctl", "-a", "/dev/sda" }, invocation.Arguments.ToArray());
        Assert.AreEqual("/run/x/broker.sock", invocation.Environment["PRIVSEP_SOCKET"]);
        Assert.AreEqual("/etc/x/agent.secret", invocation.Environment["PRIVSEP_SECRET_FILE"]);
        Assert.AreEqual(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), invocation.Environment["PRIVSEP_RELAY_PARENT"]);
    }

    [TestMethod]
    public void WithoutAPluginNameThereIsNoPluginOption()
    {
        using var temp = new TempDirectory();
        var settings = new ShimSettings { RelayPath = temp.WriteScript("privsep-relay", "exit 0") };

        var invocation = RelayInvocation.For(Command with { Plugin = null }, stdinRedirected: false, settings, workingDirectory: null);

        CollectionAssert.AreEqual(new[] { "--", "/usr/sbin/smartctl", "-a", "/dev/sda" }, invocation.Arguments.ToArray());
    }

    [TestMethod]
    [DataRow(true, new[] { "--plugin", "DiskHealth", "--stdin", "--", "/usr/sbin/smartctl", "-a", "/dev/sda" })]
    [DataRow(false, new[] { "--plugin", "DiskHealth", "--", "/usr/sbin/smartctl", "-a", "/dev/sda" })]
    public void TheRelayReadsItsStdinOnlyWhenThePluginRedirectedIt(bool stdinRedirected, string[] expected)
    {
        using var temp = new TempDirectory();
        var settings = new ShimSettings { RelayPath = temp.WriteScript("privsep-relay", "exit 0") };

        var invocation = RelayInvocation.For(Command, stdinRedirected, settings, workingDirectory: null);

        CollectionAssert.AreEqual(expected, invocation.Arguments.ToArray());
    }

    [TestMethod]
    public void ARelayDllIsRunByTheDotnetHostOfTheRunningRuntime()
    {
        using var temp = new TempDirectory();
        string relay = temp.Write("privsep-relay.dll", "an assembly");
        using var _ = new EnvironmentVariableScope("DOTNET_HOST_PATH", null);

        var invocation = RelayInvocation.For(Command, stdinRedirected: false, new ShimSettings { RelayPath = relay }, workingDirectory: null);

        Assert.AreEqual("dotnet", Path.GetFileName(invocation.FileName));
        Assert.IsTrue(File.Exists(invocation.FileName), invocation.FileName);
        string root = Path.GetDirectoryName(invocation.FileName)!;
        Assert.IsTrue(Directory.Exists(Path.Combine(root, "shared", "Microsoft.NETCore.App", Environment.Version.ToString())), $"{root} does not hold the running runtime");
        CollectionAssert.AreEqual(new[] { relay, "--plugin", "DiskHealth", "--", "/usr/sbin/smartctl", "-a", "/dev/sda" }, invocation.Arguments.ToArray());
    }

    [TestMethod]
    public void DotnetHostPathWinsWhenSet()
    {
        using var temp = new TempDirectory();
        string relay = temp.Write("privsep-relay.dll", "an assembly");
        string host = temp.WriteScript("dotnet", "exit 0");
        using var _ = new EnvironmentVariableScope("DOTNET_HOST_PATH", host);

        Assert.AreEqual(host, RelayInvocation.For(Command, stdinRedirected: false, new ShimSettings { RelayPath = relay }, workingDirectory: null).FileName);
    }

    [TestMethod]
    public void AMissingDotnetHostSaysWhatToSet()
    {
        using var temp = new TempDirectory();
        string relay = temp.Write("privsep-relay.dll", "an assembly");
        using var _ = new EnvironmentVariableScope("DOTNET_HOST_PATH", "/nonexistent/dotnet");

        var error = Assert.ThrowsExactly<Win32Exception>(() => RelayInvocation.For(Command, stdinRedirected: false, new ShimSettings { RelayPath = relay }, workingDirectory: "/var"));

        Assert.AreEqual(2, error.NativeErrorCode);
        Assert.AreEqual(
            $"An error occurred trying to start process '/usr/sbin/smartctl' with working directory '/var'. No such file or directory: the PrivSep broker runs this command, through privsep-relay, but the dotnet host '/nonexistent/dotnet' that would run '{relay}' does not exist: set DOTNET_HOST_PATH to it, or PRIVSEP_RELAY to the privsep-relay executable.",
            error.Message);
    }

    [TestMethod]
    public void RelayPathComesFromTheEnvironment()
    {
        using (new EnvironmentVariableScope("PRIVSEP_RELAY", "/opt/privsep/relay/privsep-relay.dll"))
        {
            Assert.AreEqual("/opt/privsep/relay/privsep-relay.dll", ShimSettings.FromEnvironment().RelayPath);
        }

        using (new EnvironmentVariableScope("PRIVSEP_RELAY", null))
        {
            Assert.AreEqual("/usr/libexec/privsep/privsep-relay", ShimSettings.FromEnvironment().RelayPath);
        }
    }
}

using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using PrivSep.Protocol.Contracts;
using PrivSep.Shim.Client;
using PrivSep.Shim.Replacements;
using PrivSep.Shim.Tests.Support;

namespace PrivSep.Shim.Tests.Replacements;

/// <summary>
/// Process.Start's replacements when no rule names the command (the original runs it, unchanged), when a rule refuses it
/// and when the broker cannot be asked (Win32Exception, nothing runs), and when the BCL itself refuses the start.
/// </summary>
[TestClass]
public sealed class ProcessLocalStartTests
{
    private const string Plugin = "ProcessTestsPlugin";

    [TestMethod]
    public void NoRuleNamesTheCommandSoTheOriginalRunsIt()
    {
        var broker = new DirectBrokerActions();
        using var _ = RoutingScope.AllToBroker(broker);
        using var __ = PluginIdentity.Use(Plugin);
        var start = new ProcessStartInfo("/bin/echo", "local \"and unchanged\"") { RedirectStandardOutput = true };

        using var process = ProcessShims.Start(start)!;

        Assert.AreSame(start, process.StartInfo);
        Assert.AreEqual("local and unchanged\n", process.StandardOutput.ReadToEnd());
        process.WaitForExit();
        Assert.AreEqual(0, process.ExitCode);
        var asked = broker.CommandChecks.Single();
        Assert.AreEqual("/bin/echo", asked.Path);
        CollectionAssert.AreEqual(new[] { "local", "and unchanged" }, asked.Arguments.ToArray());
        Assert.AreEqual(Plugin, asked.Plugin);
    }

    [TestMethod]
    public void InstanceStartStartsThePluginsOwnProcess()
    {
        var broker = new DirectBrokerActions();
        using var _ = RoutingScope.AllToBroker(broker);
        using var process = new Process { StartInfo = new ProcessStartInfo("/usr/bin/printf", ["%s|", "a b", "c"]) { RedirectStandardOutput = true } };

        Assert.IsTrue(ProcessShims.Start(process));

        Assert.AreEqual("a b|c|", process.StandardOutput.ReadToEnd());
        process.WaitForExit();
        Assert.AreEqual(0, process.ExitCode);
        CollectionAssert.AreEqual(new[] { "%s|", "a b", "c" }, broker.CommandChecks.Single().Arguments.ToArray());
    }

    [TestMethod]
    public void FileNameOverloadsRunTheOriginal()
    {
        var broker = new DirectBrokerActions();
        using var _ = RoutingScope.AllToBroker(broker);
        using var temp = new TempDirectory();

        ExitsCleanly(ProcessShims.Start("/usr/bin/touch", temp["by-string"]));
        ExitsCleanly(ProcessShims.Start("/usr/bin/touch", OneShot(temp["by-list"], temp["second"])));
        string script = temp.WriteScript("no-arguments.sh", $": > {temp["by-name"]}");
        ExitsCleanly(ProcessShims.Start(script));

        Assert.IsTrue(File.Exists(temp["by-string"]) && File.Exists(temp["by-list"]) && File.Exists(temp["second"]) && File.Exists(temp["by-name"]));
        CollectionAssert.AreEqual(
            new[] { $"/usr/bin/touch {temp["by-string"]}", $"/usr/bin/touch {temp["by-list"]} {temp["second"]}", $"{script} " },
            broker.CommandChecks.Select(c => $"{c.Path} {string.Join(' ', c.Arguments)}").ToArray());
    }

    [TestMethod]
    public void ShellExecutionOfALocalCommandIsTheOriginals()
    {
        var broker = new DirectBrokerActions();
        using var _ = RoutingScope.AllToBroker(broker);
        using var temp = new TempDirectory();
        string script = temp.WriteScript("shell.sh", $": > {temp["ran"]}");

        ExitsCleanly(ProcessShims.Start(new ProcessStartInfo(script) { UseShellExecute = true })!);

        Assert.IsTrue(File.Exists(temp["ran"]));
    }

    [TestMethod]
    public void ARuleThatRefusesTheArgumentsIsAWin32ExceptionNamingItAndNothingRuns()
    {
        const string Reason = "the policy refuses '/usr/bin/touch' with these arguments: no exec rule matches them (exec[0] \"/usr/bin/touch /var/lib/allowed\")";
        var broker = new DirectBrokerActions { CommandAnswer = _ => throw new UnauthorizedAccessException(Reason) };
        using var _ = RoutingScope.AllToBroker(broker);
        using var temp = new TempDirectory();
        var start = new ProcessStartInfo("/usr/bin/touch", [temp["marker"]]) { WorkingDirectory = temp.Path };

        var error = Assert.ThrowsExactly<Win32Exception>(() => ProcessShims.Start(start));

        Assert.AreEqual(13, error.NativeErrorCode);
        Assert.AreEqual($"An error occurred trying to start process '/usr/bin/touch' with working directory '{temp.Path}'. Permission denied: {Reason}", error.Message);
        Assert.IsFalse(File.Exists(temp["marker"]), "the refused command ran");
        Assert.ThrowsExactly<Win32Exception>(() => ProcessShims.Start(new Process { StartInfo = start }));
        Assert.ThrowsExactly<Win32Exception>(() => ProcessShims.Start("/usr/bin/touch", temp["marker"]));
        Assert.IsFalse(File.Exists(temp["marker"]), "the refused command ran");
    }

    [TestMethod]
    public void WithoutTheBrokerNothingStartsAndTheErrorNamesTheCause()
    {
        using var _ = RoutingScope.FastPathWithUnreachableBroker(out var recorder);
        using var temp = new TempDirectory();
        string secret = temp.Write("agent.secret", Convert.ToBase64String(new byte[32]));
        string prefix = $"An error occurred trying to start process '/usr/bin/touch' with working directory '{Directory.GetCurrentDirectory()}'. Permission denied: the PrivSep broker could not be asked whether this command is allowed, so it was not started. ";

        ShimSettings.Current = ShimSettings.Current with { SecretFilePath = temp["missing.secret"] };
        var noSecret = Assert.ThrowsExactly<Win32Exception>(() => ProcessShims.Start("/usr/bin/touch", [temp["marker"]]));
        ShimSettings.Current = ShimSettings.Current with { SecretFilePath = secret };
        var noBroker = Assert.ThrowsExactly<Win32Exception>(() => ProcessShims.Start("/usr/bin/touch", [temp["marker"]]));

        Assert.AreEqual(13, noSecret.NativeErrorCode);
        Assert.AreEqual(13, noBroker.NativeErrorCode);
        StringAssert.StartsWith(noSecret.Message, prefix + $"The shared secret file '{temp["missing.secret"]}' does not exist");
        StringAssert.StartsWith(noBroker.Message, prefix + $"The PrivSep broker is not reachable at '{RoutingScope.NonexistentSocket}'");
        Assert.IsFalse(File.Exists(temp["marker"]), "a command ran without the broker's answer");
        Assert.HasCount(2, recorder.Calls);
    }

    [TestMethod]
    public void ABareNameTheBrokerRefusesIsAWin32Exception()
    {
        var broker = new DirectBrokerActions
        {
            CommandAnswer = request => throw new UnauthorizedAccessException($"'{request.Path}' would be looked up in PATH, and exec[0] names '/usr/bin/{request.Path}': use the absolute path."),
        };
        using var _ = RoutingScope.AllToBroker(broker);

        var error = Assert.ThrowsExactly<Win32Exception>(() => ProcessShims.Start("head", "-c 1 /etc/hostname"));

        StringAssert.Contains(error.Message, "'head' would be looked up in PATH, and exec[0] names '/usr/bin/head': use the absolute path.");
        Assert.AreEqual("head", broker.CommandChecks.Single().Path);
    }

    [TestMethod]
    public void StartsTheBclRefusesAreRefusedByTheBclWithoutAskingTheBroker()
    {
        using var _ = RoutingScope.AllToBroker(new RefusingBrokerActions());
        var cases = new Func<ProcessStartInfo>[]
        {
            () => new ProcessStartInfo(),
            () => new ProcessStartInfo("/bin/true") { StandardInputEncoding = Encoding.UTF8 },
            () => new ProcessStartInfo("/bin/true") { StandardOutputEncoding = Encoding.UTF8 },
            () => new ProcessStartInfo("/bin/true") { StandardErrorEncoding = Encoding.UTF8 },
            () => new ProcessStartInfo("/bin/true", ["list"]) { Arguments = "string" },
            () => new ProcessStartInfo("/bin/true", ["ok", null!]),
            () => new ProcessStartInfo("/bin/true") { UseShellExecute = true, RedirectStandardOutput = true },
        };

        foreach (var create in cases)
        {
            var expected = Assert.Throws<Exception>(() => Process.Start(create()));
            var fromStatic = Assert.Throws<Exception>(() => ProcessShims.Start(create()));
            var fromInstance = Assert.Throws<Exception>(() => ProcessShims.Start(new Process { StartInfo = create() }));
            foreach (var actual in new[] { fromStatic, fromInstance })
            {
                Assert.AreEqual(expected.GetType(), actual.GetType());
                Assert.AreEqual(expected.Message, actual.Message);
            }
        }

        Assert.ThrowsExactly<ArgumentNullException>(() => ProcessShims.Start((ProcessStartInfo)null!));
        Assert.ThrowsExactly<ArgumentNullException>(() => ProcessShims.Start("/bin/true", (IEnumerable<string>)null!));
        Assert.ThrowsExactly<NullReferenceException>(() => ProcessShims.Start((Process)null!));
    }

    private static void ExitsCleanly(Process process)
    {
        using (process)
        {
            Assert.IsTrue(process.WaitForExit(TimeSpan.FromSeconds(30)));
            Assert.AreEqual(0, process.ExitCode);
        }
    }

    /// <summary>A sequence that can be enumerated only once, like an iterator over a reader.</summary>
    private static IEnumerable<string> OneShot(params string[] items)
    {
        bool used = false;
        return Enumerate();

        IEnumerable<string> Enumerate()
        {
            Assert.IsFalse(used, "the arguments were enumerated twice");
            used = true;
            foreach (string item in items)
            {
                yield return item;
            }
        }
    }
}

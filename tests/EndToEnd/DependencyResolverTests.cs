using PrivSep.EndToEnd.Tests.Fixture;
using PrivSep.Rewriter.Tests.Infrastructure;

namespace PrivSep.EndToEnd.Tests;

/// <summary>
/// The documented .NET plugin host, end to end: a plugin built by the SDK (with its <c>.deps.json</c>), rewritten and
/// signed by the real <c>privsep</c>, loaded by the client running as the unprivileged test user through an
/// <see cref="System.Runtime.Loader.AssemblyDependencyResolver"/>, reads a root-only file the policy allows through the
/// Shim copy the rewrite placed beside it.
/// </summary>
[TestClass]
public sealed class DependencyResolverTests
{
    private const string PluginName = "ResolvedPlugin";
    private const string PluginType = "Monitoring.ResolvedPlugin";

    private const string PluginSource = """
        using System.IO;

        namespace Monitoring
        {
            public static class ResolvedPlugin
            {
                public static string ReadLog(string path) => File.ReadAllText(path);
            }
        }
        """;

    private static Deployment deployment = null!;
    private static BrokerProcess broker = null!;
    private static string rewrittenFolder = null!;
    private static PrivSepCommandResult rewrite = null!;

    [ClassInitialize]
    public static void BuildRewriteAndStartBroker(TestContext context)
    {
        RequiresRoot.Check();
        deployment = Deployment.Create();
        string work = Path.Combine(deployment.Root, "resolver-work");
        Directory.CreateDirectory(work);
        Deployment.MakeReadableByAll(work);
        string built = Path.Combine(work, "built");
        rewrittenFolder = Path.Combine(work, "rewritten");
        PluginProject.Build(built, PluginName, PluginSource);
        string key = Path.Combine(deployment.Root, "resolver-key.pem");
        var keygen = PrivSepCommand.Run("keygen", "--out", key);
        Assert.AreEqual(0, keygen.ExitCode, keygen.ToString());

        rewrite = PrivSepCommand.Run("rewrite", built, "--out", rewrittenFolder, "--sign-key", key);
        Assert.AreEqual(0, rewrite.ExitCode, rewrite.ToString());
        Deployment.MakeReadableByAll(rewrittenFolder);
        var verify = PrivSepCommand.Run("verify", rewrittenFolder, "--public-key", Path.Combine(deployment.Root, "resolver-key.pub.pem"));
        Assert.AreEqual(0, verify.ExitCode, "the signed manifest covers the updated deps file: " + verify);

        broker = BrokerProcess.Start(deployment);
    }

    [ClassCleanup]
    public static void StopBroker()
    {
        broker?.StopExpectingCleanExit();
        deployment?.Dispose();
    }

    [TestInitialize]
    public void EnsureRoot() => RequiresRoot.Check();

    [TestMethod]
    public void A_host_loading_the_rewritten_plugin_with_AssemblyDependencyResolver_runs_it_as_the_agent_on_the_Shim_beside_it()
    {
        string plugin = Path.Combine(rewrittenFolder, PluginName + ".dll");
        string authLog = Path.Combine(deployment.Logs, "auth.log");

        var results = AgentProcess.Run(
            deployment,
            "plugin-resolver", plugin, PluginType, "ReadLog", authLog,
            "shim-copies");

        Assert.HasCount(2, results, string.Join("\n", results));
        Assert.IsTrue(results[0].Ok, results[0].ToString());
        Assert.AreEqual(Deployment.AuthLogContent, results[0].Value, "File.ReadAllText of the root-only file, through the broker");
        Assert.Contains(
            $"plugin-resolver:{rewrittenFolder}:{Path.Combine(rewrittenFolder, "PrivSep.Shim.dll")}",
            results[1].Value!.Split('|'),
            "the resolver found PrivSep.Shim through the plugin's deps file, beside the plugin (a host without a Shim of its own needs it): " + results[1]);
    }
}

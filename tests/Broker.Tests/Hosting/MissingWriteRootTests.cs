using PrivSep.Broker.Tests.Harness;

namespace PrivSep.Broker.Tests.Hosting;

/// <summary>The broker executable says at start and on SIGHUP which files.write root does not exist.</summary>
[TestClass]
public sealed class MissingWriteRootTests
{
    private const string Policy = """
        {
          "version": 1,
          "agents": { "users": ["root"] },
          "files": { "read": [], "write": ["{root}/{sandbox}/**"], "deny": [] }
        }
        """;

    [TestMethod]
    public void A_missing_write_root_is_reported_at_start_and_after_SIGHUP()
    {
        RequiresRoot.Check();
        using var broker = SpawnedBroker.Start(Policy.Replace("{sandbox}", "sandbx", StringComparison.Ordinal));
        _ = broker.WaitForLog($"warning: files.write[0] \"{broker.Folder}/sandbx/**\": the write root '{broker.Folder}/sandbx' is not an existing directory", 0, TimeSpan.FromSeconds(20));

        broker.WritePolicy(Policy.Replace("{sandbox}", "sandbox-later", StringComparison.Ordinal));
        int before = broker.Log.Length;
        broker.SendSignal("HUP");

        string reloaded = broker.WaitForLog("SIGHUP", before, TimeSpan.FromSeconds(20));
        StringAssert.Contains(reloaded, $"the write root '{broker.Folder}/sandbox-later' is not an existing directory");
    }
}

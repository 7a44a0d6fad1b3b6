using System.Text.Json;
using PrivSep.Broker.Audit;
using static PrivSep.Broker.Tests.Audit.AuditTestFiles;

namespace PrivSep.Broker.Tests.Audit;

/// <summary>
/// Plugin names and arguments come from the client. Whatever they hold, each record stays one
/// line that parses back to what was sent, and no record can make the log grow without bound.
/// </summary>
[TestClass]
public sealed class AuditUntrustedTextTests
{
    private const string Hostile = "Evil\r\n{\"seq\":999,\"prev\":\"\"}\n\u0000\u001b[31m\t\\\"\u2028\u0085é";

    [TestMethod]
    public void Line_breaks_quotes_and_control_characters_are_escaped_and_round_trip()
    {
        using var dir = new TempAuditDirectory();
        using (AuditLog log = AuditLog.Open(dir.LogPath))
        {
            for (int i = 0; i < 3; i++)
            {
                log.Append(Record(i) with { Plugin = Hostile, Args = [new(Hostile, Hostile)], Rule = Hostile });
            }
        }

        byte[] bytes = File.ReadAllBytes(dir.LogPath);
        Assert.AreEqual(3, bytes.Count(b => b == (byte)'\n'), "one line per record");
        Assert.IsFalse(bytes.Any(b => b < 0x20 && b != (byte)'\n'), "no raw control character in the log");
        Assert.IsFalse(bytes.Any(b => b >= 0x80), "non-ASCII text is escaped");
        foreach (byte[] line in ReadLines(dir.LogPath))
        {
            using JsonDocument parsed = JsonDocument.Parse(line);
            Assert.AreEqual(Hostile, parsed.RootElement.GetProperty("plugin").GetString());
            Assert.AreEqual(Hostile, parsed.RootElement.GetProperty("args").GetProperty(Hostile).GetString());
        }

        AuditVerificationResult result = AuditChainVerifier.Verify(dir.LogPath);
        Assert.IsTrue(result.IsValid, Describe(result));
        Assert.AreEqual(3, result.LineCount);
    }

    [TestMethod]
    public void An_unpaired_surrogate_is_replaced_not_a_failure()
    {
        using var dir = new TempAuditDirectory();
        using (AuditLog log = AuditLog.Open(dir.LogPath))
        {
            log.Append(Record() with { Plugin = "a\ud800b", Args = [new("path", "\udfffx")] });
        }

        using JsonDocument parsed = JsonDocument.Parse(ReadLines(dir.LogPath).Single());
        Assert.AreEqual("a\ufffdb", parsed.RootElement.GetProperty("plugin").GetString());
        Assert.IsTrue(AuditChainVerifier.Verify(dir.LogPath).IsValid);
    }

    [TestMethod]
    public void Very_long_values_are_truncated_with_a_marker()
    {
        using var dir = new TempAuditDirectory();
        string huge = new('\n', 1_000_000);
        using (AuditLog log = AuditLog.Open(dir.LogPath))
        {
            log.Append(Record() with { Plugin = huge, Args = [new("path", new string('x', 100_000)), new(new string('k', 10_000), "v")] });
            log.Append(Record());
        }

        List<byte[]> lines = ReadLines(dir.LogPath);
        Assert.HasCount(2, lines);
        Assert.IsLessThan(64 * 1024, lines[0].Length, "a hostile record stays small");
        using JsonDocument parsed = JsonDocument.Parse(lines[0]);
        string plugin = parsed.RootElement.GetProperty("plugin").GetString()!;
        Assert.AreEqual(new string('\n', 4096) + "…(truncated)", plugin);
        JsonProperty[] args = parsed.RootElement.GetProperty("args").EnumerateObject().ToArray();
        Assert.AreEqual(new string('x', 4096) + "…(truncated)", args[0].Value.GetString());
        Assert.AreEqual(new string('k', 256) + "…(truncated)", args[1].Name);
        Assert.IsTrue(AuditChainVerifier.Verify(dir.LogPath).IsValid);
    }

    [TestMethod]
    public void A_truncation_never_splits_a_surrogate_pair()
    {
        string text = new string('a', 4095) + "😀" + "tail";

        string bounded = UntrustedText.Bound(text, 4096)!;

        Assert.AreEqual(new string('a', 4095) + "…(truncated)", bounded);
    }

    [TestMethod]
    public void Too_many_arguments_are_summarized()
    {
        using var dir = new TempAuditDirectory();
        using (AuditLog log = AuditLog.Open(dir.LogPath))
        {
            log.Append(Record() with { Args = Enumerable.Range(0, 1000).Select(i => new KeyValuePair<string, string?>($"a{i}", "v")).ToArray() });
        }

        using JsonDocument parsed = JsonDocument.Parse(ReadLines(dir.LogPath).Single());
        JsonProperty[] args = parsed.RootElement.GetProperty("args").EnumerateObject().ToArray();
        Assert.HasCount(33, args);
        Assert.AreEqual("a31", args[31].Name);
        Assert.AreEqual("…(truncated)", args[32].Name);
        Assert.AreEqual("968 more arguments not logged", args[32].Value.GetString());
    }
}

using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace PrivSep.Cli.Tests;

/// <summary>
/// <c>privsep catalog --coverage</c> against the real Shim and the real reference assemblies, the checked-in
/// docs/catalog-coverage.md it generates and the baseline coverage may not drop below.
/// </summary>
[TestClass]
public sealed partial class CatalogCommandTests
{
    private const string Regenerate = "run scripts/catalog-coverage.sh and commit docs/catalog-coverage.md and docs/catalog-coverage-baseline.txt";

    private static readonly string Docs = Path.Combine(RepositoryRoot(), "docs");

    [TestMethod]
    public async Task Coverage_gives_the_figure_per_type_and_lists_the_members_not_replaced_with_why()
    {
        CliRun run = await Cli.RunAsync("catalog", "--coverage");

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        Match total = TotalLine().Match(run.Out);
        Assert.IsTrue(total.Success, run.ToString());
        Assert.IsGreaterThan(0, int.Parse(total.Groups["replaced"].Value), "the Shim replaces file-system members");
        Dictionary<string, (int Replaced, int ByPath)> types = ParseTypes(run.Out);
        Assert.AreEqual(int.Parse(total.Groups["replaced"].Value), types.Values.Sum(t => t.Replaced), "the total is the sum of the types");
        Assert.AreEqual(int.Parse(total.Groups["total"].Value), types.Values.Sum(t => t.ByPath));
        CollectionAssert.IsSubsetOf(new[] { "System.IO.File", "System.IO.FileInfo", "System.IO.DirectoryInfo", "System.IO.FileSystemInfo", "System.IO.FileStream" }, types.Keys.ToArray());
        StringAssert.Contains(run.Out, "M:System.IO.Directory.SetCurrentDirectory(System.String): cannot be brokered: the process's working directory");
        StringAssert.Contains(run.Out, "M:System.IO.File.Encrypt(System.String): not supported on Linux");
        StringAssert.Contains(run.Out, "M:System.IO.Directory.GetCurrentDirectory: the process's working directory");
        StringAssert.Contains(run.Out, "M:System.IO.File.ReadAllText(System.String) -> M:PrivSep.Shim.");
    }

    [TestMethod]
    public async Task Coverage_as_JSON_gives_the_same_figures_and_every_member()
    {
        CliRun text = await Cli.RunAsync("catalog", "--coverage");
        CliRun json = await Cli.RunAsync("catalog", "--coverage", "--json");

        Assert.AreEqual(0, json.ExitCode, json.ToString());
        using JsonDocument document = JsonDocument.Parse(json.Out);
        JsonElement root = document.RootElement;
        Match total = TotalLine().Match(text.Out);
        Assert.AreEqual(int.Parse(total.Groups["replaced"].Value), root.GetProperty("replaced").GetInt32());
        Assert.AreEqual(int.Parse(total.Groups["total"].Value), root.GetProperty("byPath").GetInt32());
        JsonElement[] members = root.GetProperty("members").EnumerateArray().ToArray();
        Assert.HasCount(root.GetProperty("byPath").GetInt32(), members);
        Assert.AreEqual(root.GetProperty("replaced").GetInt32(), members.Count(m => m.GetProperty("replacement").ValueKind == JsonValueKind.String));
        Assert.IsTrue(members.Where(m => m.GetProperty("replacement").ValueKind == JsonValueKind.Null).All(m => m.GetProperty("reason").GetString() is { Length: > 0 }), "every member not replaced says why");
        Assert.IsTrue(root.GetProperty("notByPath").EnumerateArray().Any(m => m.GetProperty("id").GetString() == "M:System.IO.Directory.GetCurrentDirectory"));
        Assert.AreEqual(0, root.GetProperty("unclassified").GetArrayLength());
    }

    [TestMethod]
    public async Task Coverage_does_not_drop_below_the_checked_in_baseline()
    {
        string baseline = File.ReadAllText(Path.Combine(Docs, "catalog-coverage-baseline.txt"));
        CliRun run = await Cli.RunAsync("catalog", "--coverage");

        Dictionary<string, (int Replaced, int ByPath)> recorded = ParseTypes(baseline);
        Dictionary<string, (int Replaced, int ByPath)> now = ParseTypes(run.Out);
        Assert.IsNotEmpty(recorded, "docs/catalog-coverage-baseline.txt holds the summary lines of `privsep catalog --coverage`");
        foreach ((string type, (int replaced, _)) in recorded)
        {
            Assert.IsTrue(now.TryGetValue(type, out var current), $"{type} is no longer measured; {Regenerate}");
            Assert.IsGreaterThanOrEqualTo(replaced, current.Replaced, $"{type}: the Shim replaces {current.Replaced} members that touch the disk by path, fewer than the {replaced} of the baseline. Restore the replacements, or if the drop is intended, {Regenerate}");
        }

        int recordedTotal = int.Parse(TotalLine().Match(baseline).Groups["replaced"].Value);
        Assert.IsGreaterThanOrEqualTo(recordedTotal, int.Parse(TotalLine().Match(run.Out).Groups["replaced"].Value), $"total coverage dropped below the baseline; {Regenerate}");
    }

    [TestMethod]
    public async Task Docs_catalog_coverage_md_is_what_the_command_generates_from_the_current_Shim()
    {
        CliRun run = await Cli.RunAsync("catalog", "--coverage", "--markdown");

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        string checkedIn = File.ReadAllText(Path.Combine(Docs, "catalog-coverage.md"));
        Assert.AreEqual(checkedIn, run.Out, $"docs/catalog-coverage.md is out of date with the Shim's catalog; {Regenerate}");
    }

    [TestMethod]
    public async Task Without_coverage_it_lists_the_catalog_and_refuses_format_options_it_cannot_apply()
    {
        CliRun list = await Cli.RunAsync("catalog");
        CliRun jsonAlone = await Cli.RunAsync("catalog", "--json");
        CliRun both = await Cli.RunAsync("catalog", "--coverage", "--json", "--markdown");
        CliRun missingShim = await Cli.RunAsync("catalog", "--coverage", "--shim", "/nonexistent/PrivSep.Shim.dll");

        Assert.AreEqual(0, list.ExitCode, list.ToString());
        StringAssert.Contains(list.Out, "M:System.IO.File.ReadAllText(System.String) -> M:PrivSep.Shim.");
        Assert.AreEqual(2, jsonAlone.ExitCode, jsonAlone.ToString());
        StringAssert.Contains(jsonAlone.Error, "pass --coverage too");
        Assert.AreEqual(2, both.ExitCode, both.ToString());
        Assert.AreEqual(2, missingShim.ExitCode, missingShim.ToString());
        StringAssert.Contains(missingShim.Error, "/nonexistent/PrivSep.Shim.dll does not exist");
    }

    private static Dictionary<string, (int Replaced, int ByPath)> ParseTypes(string text) =>
        TypeLine().Matches(text).ToDictionary(m => m.Groups["type"].Value, m => (int.Parse(m.Groups["replaced"].Value), int.Parse(m.Groups["total"].Value)));

    private static string RepositoryRoot([CallerFilePath] string sourceFile = "")
    {
        for (DirectoryInfo? directory = new FileInfo(sourceFile).Directory; directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "PrivSep.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException($"no PrivSep checkout (PrivSep.sln) above {sourceFile}");
    }

    [GeneratedRegex(@"^catalog coverage: (?<replaced>\d+) of (?<total>\d+) ", RegexOptions.Multiline)]
    private static partial Regex TotalLine();

    [GeneratedRegex(@"^  (?<type>System\.\S+): (?<replaced>\d+) of (?<total>\d+)$", RegexOptions.Multiline)]
    private static partial Regex TypeLine();
}

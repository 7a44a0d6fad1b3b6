using System.Globalization;
using System.Text;
using PrivSep.Bench.Rewriter;
using PrivSep.Rewriter;
using PrivSep.Rewriter.Model;

// The rewriter's benchmark: medians of FolderRewriter.Rewrite against a plain Cecil read + write of the same files in
// the same run, the no-op second run, peak RSS. Usage: PrivSep.Bench.Rewriter [--iterations N] [--framework N]
// [--plugins N] [--markdown FILE] [--scan]. See docs/benchmarks-rewriter.md.
int iterations = 5;
int frameworkCount = 30;
int pluginCount = 40;
string? markdownPath = null;
bool scanOnly = false;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--iterations" when i + 1 < args.Length:
            iterations = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--framework" when i + 1 < args.Length:
            frameworkCount = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--plugins" when i + 1 < args.Length:
            pluginCount = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--markdown" when i + 1 < args.Length:
            markdownPath = args[++i];
            break;
        case "--scan":
            scanOnly = true;
            break;
        default:
            Console.Error.WriteLine("usage: PrivSep.Bench.Rewriter [--iterations N] [--framework N] [--plugins N] [--markdown FILE] [--scan]");
            return 64;
    }
}

string root = Path.Combine(Path.GetTempPath(), "privsep-bench-rewriter-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
Directory.CreateDirectory(root);
try
{
    // Which framework assemblies have call sites the engine rewrites (they take the full read-rewrite-write path).
    List<string> biggest = Inputs.BiggestFrameworkAssemblies(frameworkCount);
    string scanFolder = Inputs.CopyInto(Path.Combine(root, "scan"), Inputs.BiggestFrameworkAssemblies(int.MaxValue));
    List<(string File, int Rewrites)> cataloged = Inputs.WithCatalogedCallSites(scanFolder);
    Console.Error.WriteLine($"framework assemblies with cataloged call sites: {string.Join(", ", cataloged.Select(c => $"{c.File} ({c.Rewrites})"))}");
    if (scanOnly)
    {
        return 0;
    }

    // Scenario 1: the N biggest framework assemblies as plugins plus one plugin that calls cataloged members.
    string framework = Inputs.CopyInto(Path.Combine(root, "framework"), biggest);
    Inputs.CompilePlugin(framework, "Bench.Plugin", classes: 40);

    // Scenario 2: everything takes the full Cecil read + rewrite + write path: Roslyn plugins that all call cataloged
    // members, plus every framework assembly that has cataloged call sites (ReadyToRun images, converted to IL-only).
    string full = Inputs.CopyInto(Path.Combine(root, "full"), cataloged.Select(c => Path.Combine(Inputs.FrameworkDirectory, c.File)));
    for (int p = 0; p < pluginCount; p++)
    {
        Inputs.CompilePlugin(full, $"Bench.Plugin{p:D2}", classes: 20);
    }

    var rows = new List<string>();
    foreach ((string name, string input) in new[] { ($"{biggest.Count} biggest framework dlls + 1 plugin", framework), ($"full path: {cataloged.Count} framework dlls with cataloged calls + {pluginCount} plugins", full) })
    {
        int assemblies = Directory.EnumerateFiles(input, "*.dll").Count();
        double megabytes = Directory.EnumerateFiles(input).Sum(f => new FileInfo(f).Length) / 1048576.0;
        int n = 0;
        string Fresh(string what) => Path.Combine(root, $"{what}-{n++}");

        // The rewritten folder the no-op runs start from, and a check that real rewriting happens.
        string rewritten = Fresh("rewritten");
        FolderRewriteResult first = FolderRewriter.Rewrite(new RewriteOptions(input, rewritten));
        int changed = first.Assemblies.Count(a => a.Changed);
        int callSites = first.Assemblies.Sum(a => a.Rewrites.Count);
        Console.Error.WriteLine($"{name}: {assemblies} assemblies, {megabytes:F1} MB, {changed} changed, {callSites} call sites, {first.Diagnostics.Count(d => d.Severity == DiagnosticSeverity.Error)} errors");
        foreach (RewriteDiagnostic error in first.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error))
        {
            Console.Error.WriteLine($"  engine error: {error.Id} {error.Message}");
        }

        FolderRewriteResult noOp = FolderRewriter.Rewrite(new RewriteOptions(rewritten, Fresh("check")));
        if (noOp.Assemblies.Any(a => a.Changed))
        {
            throw new InvalidOperationException("the second run changed something: not a no-op");
        }

        var engine = new List<Sample>();
        var baseline = new List<Sample>();
        var second = new List<Sample>();
        for (int i = -2; i < iterations; i++)
        {
            // i < 0 are two warm-ups (JIT tiering, page cache); the three measurements interleave so drift hits them alike.
            string engineOut = Fresh("engine"), baselineOut = Fresh("baseline"), secondOut = Fresh("second");
            Sample e = Measurement.Run(() => FolderRewriter.Rewrite(new RewriteOptions(input, engineOut)));
            Sample b = Measurement.Run(() => Baseline.ReadWriteAll(input, baselineOut));
            Sample s = Measurement.Run(() => FolderRewriter.Rewrite(new RewriteOptions(rewritten, secondOut)));
            foreach (string done in new[] { engineOut, baselineOut, secondOut })
            {
                Directory.Delete(done, recursive: true);
            }

            if (i >= 0)
            {
                engine.Add(e);
                baseline.Add(b);
                second.Add(s);
            }

            Console.Error.WriteLine($"  [{(i < 0 ? "warm-up" : (i + 1).ToString(CultureInfo.InvariantCulture))}] engine {e.Seconds:F3} s, Cecil {b.Seconds:F3} s, no-op {s.Seconds:F3} s");
        }

        double engineMedian = Measurement.Median(engine.Select(x => x.Seconds));
        double baselineMedian = Measurement.Median(baseline.Select(x => x.Seconds));
        double secondMedian = Measurement.Median(second.Select(x => x.Seconds));
        static string Mib(double kib) => (kib / 1024).ToString("F0", CultureInfo.InvariantCulture);
        static string Gb(double bytes) => (bytes / 1e9).ToString("F2", CultureInfo.InvariantCulture);
        rows.Add(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {assemblies} ({megabytes:F1} MB; {changed} rewritten, {callSites} call sites) | {baselineMedian:F3} | {engineMedian:F3} | **{engineMedian / baselineMedian:F2}×** | {secondMedian:F3} ({secondMedian / engineMedian:F2}× first) | {Mib(engine.Max(x => x.PeakRssKiB))} / {Mib(baseline.Max(x => x.PeakRssKiB))} / {Mib(second.Max(x => x.PeakRssKiB))} | {Gb(Measurement.Median(engine.Select(x => (double)x.AllocatedBytes)))} / {Gb(Measurement.Median(baseline.Select(x => (double)x.AllocatedBytes)))} |"));
    }

    // Where the engine's extra time goes, measured apart: the fixed cost of one run (catalog load and validation against
    // the reference assemblies, on an empty folder), and the cost of flushing every output file to disk one by one (what
    // the engine's AtomicFile did before it flushed new files once per run with syncfs) on the full-path scenario's output.
    string empty = Directory.CreateDirectory(Path.Combine(root, "empty")).FullName;
    double fixedCost = Measurement.Median(Enumerable.Range(0, iterations).Select(_ => Measurement.Run(() => FolderRewriter.Rewrite(new RewriteOptions(empty, Path.Combine(root, "empty-out")))).Seconds));
    string fullOut = Path.Combine(root, "fsync-source");
    FolderRewriter.Rewrite(new RewriteOptions(full, fullOut));
    List<(string Name, byte[] Bytes)> outputs = Directory.EnumerateFiles(fullOut).Select(f => (Path.GetFileName(f), File.ReadAllBytes(f))).ToList();
    double WriteAll(bool flush) => Measurement.Run(() =>
    {
        string target = Directory.CreateDirectory(Path.Combine(root, "fsync-" + Guid.NewGuid().ToString("N"))).FullName;
        foreach ((string fileName, byte[] bytes) in outputs)
        {
            using var stream = new FileStream(Path.Combine(target, fileName), FileMode.CreateNew, FileAccess.Write);
            stream.Write(bytes);
            stream.Flush(flushToDisk: flush);
        }
    }).Seconds;
    double withFsync = Measurement.Median(Enumerable.Range(0, iterations).Select(_ => WriteAll(true)));
    double withoutFsync = Measurement.Median(Enumerable.Range(0, iterations).Select(_ => WriteAll(false)));

    var report = new StringBuilder();
    report.AppendLine(CultureInfo.InvariantCulture, $"Rewriter benchmark — {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, .NET {Environment.Version}, {iterations} iterations after 2 warm-ups, medians in seconds");
    report.AppendLine();
    report.AppendLine("| input | assemblies | Cecil read+write (s) | FolderRewriter.Rewrite (s) | ratio (target ≤ 1.5×) | no-op second run (s) | peak RSS MiB: engine / Cecil / no-op | allocated GB: engine / Cecil |");
    report.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|");
    rows.ForEach(r => report.AppendLine(r));
    report.AppendLine();
    report.AppendLine(CultureInfo.InvariantCulture, $"Breakdown: fixed cost of one run on an empty folder (catalog load + validation) {fixedCost:F3} s; writing the full-path output's {outputs.Count} files ({outputs.Sum(o => o.Bytes.Length) / 1048576.0:F1} MB) with an fsync per file {withFsync:F3} s vs {withoutFsync:F3} s without.");
    report.AppendLine("Peak RSS is the process's VmHWM from /proc/self/status, reset before each measured run by writing 5 to /proc/self/clear_refs (so it includes the harness's own resident memory); allocated is GC.GetTotalAllocatedBytes over the run.");
    Console.WriteLine(report);
    if (markdownPath is not null)
    {
        File.WriteAllText(markdownPath, report.ToString());
    }

    return 0;
}
finally
{
    Directory.Delete(root, recursive: true);
}

using PrivSep.Bench.Measurement;
using PrivSep.Broker.Audit;

namespace PrivSep.Bench.Figures;

/// <summary>
/// A diagnostic, not a target: what one audit line costs the broker (format, SHA-256 chain, write, head-file update),
/// timed in-process on the broker's own public <see cref="AuditLog"/> against a scratch log on the same file system.
/// </summary>
internal static class AuditAppendFigure
{
    public static async Task RunAsync(BenchContext context, ResultTable table)
    {
        using var log = AuditLog.Open(context.Directory.ScratchAuditLog);
        var record = new AuditRecord
        {
            Pid = Environment.ProcessId,
            Uid = 0,
            Gid = 0,
            Plugin = BenchContext.PluginName,
            Action = "file.stat",
            Args = [new("path", context.Directory.SmallFile)],
            ResolvedPath = context.Directory.SmallFile,
            Decision = "allow",
            Rule = $"files.read[0] \"{context.Directory.Root}/read/**\"",
            Outcome = "ok",
            DurationMicroseconds = 12,
        };
        var samples = await Interleaved.MeasureAsync(
            warmupPerOperation: 1000,
            rounds: 10,
            perRound: 1000,
            TimedOperation.Sync("AuditLog.Append", () => log.Append(record)));
        table.Diagnostic("one audit line, `AuditLog.Append` in-process (format + SHA-256 + write + head update): median / p90", $"{ResultTable.Micros(samples[0].MedianMicroseconds)} / {ResultTable.Micros(samples[0].P90Microseconds)}");
    }
}

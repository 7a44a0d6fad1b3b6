using PrivSep.Bench.Measurement;

namespace PrivSep.Bench.Figures;

/// <summary>Figure 5: the broker's resident memory (VmRSS) idle after start, and with 16 clients connected after the throughput run.</summary>
internal static class MemoryFigure
{
    public static void AddIdle(ResultTable table, int brokerPid)
    {
        long rss = ProcStatus.ReadStatusField(brokerPid, "VmRSS");
        table.Add(new("5. Broker VmRSS, idle after start (no client yet)", MiB(rss), "—", "—", "—", "—", null));
        table.Diagnostic("broker threads idle", ResultTable.Number(ProcStatus.ReadStatusField(brokerPid, "Threads")));
    }

    public static void AddConnected(ResultTable table, int brokerPid, bool afterLoad)
    {
        long rss = ProcStatus.ReadStatusField(brokerPid, "VmRSS");
        if (!afterLoad)
        {
            table.Diagnostic("broker VmRSS with 16 (+2) clients connected, before the throughput run", MiB(rss));
            return;
        }

        table.Add(new("5. Broker VmRSS, 16 clients (+2) connected, after the throughput run", MiB(rss), "—", "—", "—", "—", null));
        table.Diagnostic("broker VmHWM (peak RSS) after the throughput run", MiB(ProcStatus.ReadStatusField(brokerPid, "VmHWM")));
        table.Diagnostic("broker threads with 16 (+2) clients connected", ResultTable.Number(ProcStatus.ReadStatusField(brokerPid, "Threads")));
    }

    public static string Describe(int brokerPid) => MiB(ProcStatus.ReadStatusField(brokerPid, "VmRSS"));

    private static string MiB(long kib) => ResultTable.Number(kib / 1024.0, "0.0") + " MiB";
}

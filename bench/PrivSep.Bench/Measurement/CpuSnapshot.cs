using System.Diagnostics;

namespace PrivSep.Bench.Measurement;

/// <summary>
/// CPU time used so far by the broker, by this harness and by the whole machine, at one instant. Two snapshots give
/// where the 2 cores went over a span, including what other processes on the machine took (a shared build machine
/// running someone's compiler during a measurement shows up here, not silently in the figures).
/// </summary>
internal readonly record struct CpuSnapshot(long Timestamp, TimeSpan Broker, TimeSpan Harness, TimeSpan Machine)
{
    public static CpuSnapshot Take(int brokerPid) => new(
        Stopwatch.GetTimestamp(),
        ProcStatus.ReadCpuTime(brokerPid),
        ProcStatus.ReadCpuTime(Environment.ProcessId),
        ProcStatus.ReadMachineBusyTime());

    public CpuSpan Since(CpuSnapshot start) => new(
        Stopwatch.GetElapsedTime(start.Timestamp, this.Timestamp),
        this.Broker - start.Broker,
        this.Harness - start.Harness,
        this.Machine - start.Machine);
}

internal readonly record struct CpuSpan(TimeSpan Wall, TimeSpan Broker, TimeSpan Harness, TimeSpan Machine)
{
    /// <summary>Everything else on the machine (other processes, the echo server, kernel threads), never below zero.</summary>
    public TimeSpan Others => TimeSpan.FromTicks(Math.Max(0, (this.Machine - this.Broker - this.Harness).Ticks));

    public double Percent(TimeSpan cpu) => cpu / this.Wall * 100;

    public string Describe() =>
        $"broker {this.Percent(this.Broker):0} %, harness {this.Percent(this.Harness):0} %, other processes {this.Percent(this.Others):0} % (of 200 %)";
}

namespace PrivSep.Broker.Exec;

/// <summary>
/// A command the broker has decided to run: an absolute path (never looked up in <c>PATH</c>), the argument vector
/// after argv[0], the user and group to run as, the time after which the whole process group is killed
/// (<see cref="Timeout.InfiniteTimeSpan"/> for none) and the output cap on stdout and stderr together, which the broker's <see cref="CommandRelay"/> enforces.
/// </summary>
internal sealed record CommandSpec(
    string Path,
    IReadOnlyList<string> Arguments,
    uint Uid,
    uint Gid,
    TimeSpan Timeout,
    long MaxOutputBytes)
{
    /// <summary>The <c>cgroup.procs</c> of the broker's command cgroup, which the command joins before it runs; null for none.</summary>
    public string? CgroupProcs { get; init; }
}

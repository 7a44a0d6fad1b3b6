using System.Diagnostics;

namespace PrivSep.Broker.Tests.Harness;

/// <summary>
/// A 64 KiB tmpfs for an audit log that can be made to run out of space, so that tests reach the broker's
/// fail-closed paths for real. Needs root (mount); unmounted and removed on dispose.
/// </summary>
internal sealed class TinyAuditVolume : IDisposable
{
    private TinyAuditVolume(string mountPoint)
    {
        this.MountPoint = mountPoint;
    }

    public string MountPoint { get; }

    public string AuditLogPath => Path.Combine(this.MountPoint, "audit.jsonl");

    private string FillerPath => Path.Combine(this.MountPoint, "filler");

    public static TinyAuditVolume Mount()
    {
        string mountPoint = Directory.CreateTempSubdirectory("privsep-audit-full-").FullName;
        Assert.AreEqual(0, Run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mountPoint), "mount a tiny tmpfs for the audit log");
        return new TinyAuditVolume(mountPoint);
    }

    /// <summary>Fills the file system; the log's last page may still take a few lines.</summary>
    public void Fill() => Run("dd", "if=/dev/zero", $"of={this.FillerPath}", "bs=4k", "count=64");

    /// <summary>Gives the space <see cref="Fill"/> took back.</summary>
    public void Free() => File.Delete(this.FillerPath);

    public void Dispose()
    {
        Run("umount", "-l", this.MountPoint);
        Directory.Delete(this.MountPoint, recursive: true);
    }

    private static int Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode;
    }
}

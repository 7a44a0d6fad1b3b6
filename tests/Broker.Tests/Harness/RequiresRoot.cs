namespace PrivSep.Broker.Tests.Harness;

/// <summary>
/// Tests that need root (device nodes, other users' files, raw ICMP): skipped as inconclusive on a developer
/// machine without root, but a failure in CI (CI=true), where a skipped privilege test would hide a regression.
/// </summary>
internal static class RequiresRoot
{
    public static void Check()
    {
        if (Environment.UserName == "root" || Environment.GetEnvironmentVariable("USER") == "root" || IsUidZero())
        {
            return;
        }

        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail("This test needs root and CI runs as root: a skipped privilege test in CI is a failure.");
        }

        Assert.Inconclusive("This test needs root.");
    }

    private static bool IsUidZero() =>
        File.ReadLines("/proc/self/status").Any(l => l.StartsWith("Uid:\t0\t", StringComparison.Ordinal));
}

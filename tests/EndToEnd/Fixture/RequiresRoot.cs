namespace PrivSep.EndToEnd.Tests.Fixture;

/// <summary>End-to-end tests need root (to run the broker and switch to the test user): inconclusive on a developer machine without it, a failure in CI.</summary>
internal static class RequiresRoot
{
    public static void Check()
    {
        if (File.ReadLines("/proc/self/status").Any(l => l.StartsWith("Uid:\t0\t", StringComparison.Ordinal)))
        {
            return;
        }

        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail("The end-to-end tests need root and CI runs as root: a skipped privilege test in CI is a failure.");
        }

        Assert.Inconclusive("The end-to-end tests need root (they start the broker as root and the agent as an unprivileged user).");
    }
}

using System.Diagnostics;

namespace PrivSep.EndToEnd.Tests.Fixture;

/// <summary>
/// The unprivileged user the agent runs as. Created by the test setup (useradd, as root) when missing, so a
/// clean machine needs nothing by hand; a system user with no home and no login shell, like a real agent account.
/// </summary>
internal static class TestUser
{
    public const string Name = "privsep-e2e";

    public static void EnsureExists()
    {
        if (Run("id", "-u", Name) == 0)
        {
            return;
        }

        int exit = Run("useradd", "--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", Name);
        if (exit != 0 && Run("id", "-u", Name) != 0)
        {
            throw new InvalidOperationException($"Could not create the test user '{Name}' (useradd exited {exit}); the end-to-end tests need root.");
        }
    }

    public static int Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode;
    }
}

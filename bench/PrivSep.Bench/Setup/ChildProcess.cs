using System.Diagnostics;
using System.Runtime.InteropServices;

namespace PrivSep.Bench.Setup;

/// <summary>How the harness starts its child processes: the broker from the build output, and itself as the echo server.</summary>
internal static partial class ChildProcess
{
    private const int SIGTERM = 15;

    /// <summary>The dotnet muxer running this process (or the SDK's, under <c>dotnet run</c>), so children use the same runtime.</summary>
    public static string DotnetHost
    {
        get
        {
            string? self = Environment.ProcessPath;
            if (self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet")
            {
                return self;
            }

            string? fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk))
            {
                return fromSdk;
            }

            // shared/Microsoft.NETCore.App/<version>/ is three levels below the dotnet root.
            string beside = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..", "dotnet"));
            return File.Exists(beside) ? beside : "dotnet";
        }
    }

    /// <summary>A start for this same harness with <paramref name="arguments"/>, whether it runs as an apphost or as a dll.</summary>
    public static ProcessStartInfo Self(params string[] arguments)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "PrivSep.Bench.dll");
        var start = new ProcessStartInfo(DotnetHost);
        start.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    public static void Terminate(Process process)
    {
        if (!process.HasExited)
        {
            _ = Kill(process.Id, SIGTERM);
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}

using PrivSep.Shim.Interop;

namespace PrivSep.Shim.Commands;

/// <summary>
/// The file .NET on Unix would run for a <see cref="System.Diagnostics.ProcessStartInfo.FileName"/>, as the broker must see
/// it: the broker never looks a name up, so the Shim sends the absolute path the original <c>Process.Start</c> would
/// have executed. A bare name (no '/') is sent as it is: the broker refuses it when it is the file name of a path one
/// of its rules names (a PATH lookup must not pick that file or a look-alike), and otherwise answers "local".
/// </summary>
internal static class CommandPath
{
    /// <remarks>
    /// A relative name with a '/' is looked for where .NET looks: without shell execution, beside the running
    /// executable, then in the current directory (not <see cref="System.Diagnostics.ProcessStartInfo.WorkingDirectory"/>,
    /// which only becomes the child's directory); with shell execution, in the working directory (or the current
    /// one). Then each PATH directory, for an executable file. When none exists, the path relative to the current
    /// (or working) directory is sent: the broker judges it, and the original fails to start it.
    /// </remarks>
    public static string Resolve(string fileName, bool useShellExecute, string? workingDirectory)
    {
        if (!fileName.Contains('/'))
        {
            return fileName;
        }

        if (Path.IsPathRooted(fileName))
        {
            return Path.GetFullPath(fileName);
        }

        string[] bases = useShellExecute
            ? [string.IsNullOrEmpty(workingDirectory) ? Directory.GetCurrentDirectory() : Path.GetFullPath(workingDirectory)]
            : [.. ExecutableDirectory(), Directory.GetCurrentDirectory()];
        foreach (string directory in bases)
        {
            string candidate = Path.GetFullPath(Path.Combine(directory, fileName));
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return InPathDirectories(fileName) ?? Path.GetFullPath(Path.Combine(bases[^1], fileName));
    }

    private static IEnumerable<string> ExecutableDirectory() =>
        Path.GetDirectoryName(Environment.ProcessPath) is { Length: > 0 } directory ? [directory] : [];

    private static string? InPathDirectories(string fileName)
    {
        string? path = Environment.GetEnvironmentVariable("PATH");
        if (path is null)
        {
            return null;
        }

        foreach (string directory in path.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.GetFullPath(Path.Combine(directory, fileName));
            if (File.Exists(candidate) && LibC.Access(candidate, LibC.X_OK) == 0)
            {
                return candidate;
            }
        }

        return null;
    }
}

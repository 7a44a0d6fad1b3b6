using PrivSep.Shim.Interop;

namespace PrivSep.Shim.Routing;

/// <summary>
/// Asks the kernel whether it refuses to say anything about a path. The BCL's Exists members (and the source check of
/// <see cref="File.Move(string, string)"/>) answer "no" both for a missing path and for one inside a directory the agent may
/// not search; only the second is worth a question to the broker.
/// </summary>
internal static class PathProbe
{
    /// <summary>True when looking the path up fails with EACCES/EPERM; false when it exists, is missing, or is not a valid path.</summary>
    public static bool CannotLook(string? path) => Probe(path, LibC.F_OK);

    /// <summary>True when the kernel refuses to let the agent read the directory (or reach it).</summary>
    public static bool CannotList(string? directory) => Probe(directory, LibC.R_OK);

    private static bool Probe(string? path, int mode)
    {
        if (string.IsNullOrEmpty(path) || path.Contains('\0'))
        {
            return false;
        }

        string full;
        try
        {
            full = Path.GetFullPath(path);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return false;
        }

        return LibC.Access(full, mode) is LibC.EACCES or LibC.EPERM;
    }
}

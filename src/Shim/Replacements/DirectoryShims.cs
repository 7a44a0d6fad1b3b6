using PrivSep.Protocol.Contracts;
using PrivSep.Shim.Routing;

namespace PrivSep.Shim.Replacements;

/// <summary>
/// Replacements for the privileged members of <see cref="Directory"/>: Exists, CreateDirectory and Delete here, the
/// enumerations in DirectoryShims.Enumerate.cs.
/// </summary>
public static partial class DirectoryShims
{
    // Every bit a UnixFileMode may carry: permissions plus setuid, setgid and sticky.
    private const UnixFileMode AllPermissions = (UnixFileMode)0xFFF;

    /// <summary>As <see cref="FileShims.Exists(string)"/>: only a path the kernel refuses to look up goes to the broker.</summary>
    [Replaces("M:System.IO.Directory.Exists(System.String)")]
    public static bool Exists(string? path)
    {
        if (FastPath.TriesOriginalFirst)
        {
            if (Directory.Exists(path))
            {
                return true;
            }

            if (!PathProbe.CannotLook(path))
            {
                return false;
            }
        }

        return ExistsThroughBroker(path);
    }

    [Replaces("M:System.IO.Directory.CreateDirectory(System.String)")]
    public static DirectoryInfo CreateDirectory(string path) =>
        Run(() => Directory.CreateDirectory(path), () => CreateDirectoryThroughBroker(path));

    /// <summary>
    /// The broker creates directories with its own mode, so a brokered create that asks for an explicit one is refused
    /// rather than silently given a looser mode; a directory that already exists is returned as the BCL returns it.
    /// </summary>
    [Replaces("M:System.IO.Directory.CreateDirectory(System.String,System.IO.UnixFileMode)")]
    public static DirectoryInfo CreateDirectory(string path, UnixFileMode unixCreateMode) =>
        Run(() => Directory.CreateDirectory(path, unixCreateMode), () => CreateDirectoryWithModeThroughBroker(path, unixCreateMode));

    [Replaces("M:System.IO.Directory.Delete(System.String)")]
    public static void Delete(string path) =>
        Run(() => Directory.Delete(path), () => DeleteThroughBroker(path, recursive: false));

    [Replaces("M:System.IO.Directory.Delete(System.String,System.Boolean)")]
    public static void Delete(string path, bool recursive) =>
        Run(() => Directory.Delete(path, recursive), () => DeleteThroughBroker(path, recursive));

    private static bool ExistsThroughBroker(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return false;
        }

        try
        {
            return BrokerActions.Current.GetStatus(path).Kind == FileSystemEntryKind.Directory;
        }
        catch (Exception ex) when (ex is ArgumentException or IOException or UnauthorizedAccessException)
        {
            // Directory.Exists answers false whatever went wrong, and so does its replacement.
            return false;
        }
    }

    private static DirectoryInfo CreateDirectoryThroughBroker(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string fullPath = Path.GetFullPath(path);
        BrokerActions.Current.CreateDirectory(fullPath);
        return new DirectoryInfo(path);
    }

    private static DirectoryInfo CreateDirectoryWithModeThroughBroker(string path, UnixFileMode unixCreateMode)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if ((unixCreateMode & ~AllPermissions) != 0)
        {
            throw new ArgumentException("Invalid UnixFileMode value.", nameof(unixCreateMode));
        }

        string fullPath = Path.GetFullPath(path);
        var status = BrokerActions.Current.GetStatus(fullPath);
        if (status.Kind == FileSystemEntryKind.Directory)
        {
            return new DirectoryInfo(path);
        }

        if (status.Exists)
        {
            throw new IOException($"The file '{fullPath}' already exists.");
        }

        throw new UnauthorizedAccessException(
            $"Access to the path '{fullPath}' is denied: the PrivSep broker cannot create a directory with an explicit UnixFileMode ({unixCreateMode}).");
    }

    private static void DeleteThroughBroker(string path, bool recursive)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        BrokerActions.Current.DeleteDirectory(Path.GetFullPath(path), recursive);
    }

    private static T Run<T>(Func<T> original, Func<T> brokered) => FastPath.Run(FallbackRule.ForDirectory, original, brokered);

    private static void Run(Action original, Action brokered) => FastPath.Run(FallbackRule.ForDirectory, original, brokered);
}

using PrivSep.Protocol.Contracts;
using PrivSep.Shim.Interop;
using PrivSep.Shim.Routing;

namespace PrivSep.Shim.Replacements;

/// <summary>File.Exists, Delete, Copy, Move, GetAttributes and GetLastWriteTimeUtc.</summary>
public static partial class FileShims
{
    /// <summary>What File.GetLastWriteTimeUtc answers for a path that does not exist: 1601-01-01 UTC.</summary>
    private static readonly DateTime MissingFileTime = DateTime.FromFileTimeUtc(0);

    /// <summary>
    /// File.Exists never throws and says false both for "missing" and for "inside a directory I may not search";
    /// only the second goes to the broker, so looking for absent files costs nothing extra.
    /// </summary>
    [Replaces("M:System.IO.File.Exists(System.String)")]
    public static bool Exists(string? path)
    {
        if (FastPath.TriesOriginalFirst)
        {
            if (File.Exists(path))
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

    [Replaces("M:System.IO.File.Delete(System.String)")]
    public static void Delete(string path) =>
        Run(path, () => File.Delete(path), () => DeleteThroughBroker(path));

    [Replaces("M:System.IO.File.Copy(System.String,System.String)")]
    public static void Copy(string sourceFileName, string destFileName) =>
        FastPath.Run(FallbackRule.ForFile(sourceFileName, destFileName), () => File.Copy(sourceFileName, destFileName), () => CopyAfterRefusal(sourceFileName, destFileName, overwrite: false));

    [Replaces("M:System.IO.File.Copy(System.String,System.String,System.Boolean)")]
    public static void Copy(string sourceFileName, string destFileName, bool overwrite) =>
        FastPath.Run(FallbackRule.ForFile(sourceFileName, destFileName), () => File.Copy(sourceFileName, destFileName, overwrite), () => CopyAfterRefusal(sourceFileName, destFileName, overwrite));

    [Replaces("M:System.IO.File.Move(System.String,System.String)")]
    public static void Move(string sourceFileName, string destFileName) =>
        FastPath.Run(FallbackRule.ForMove(sourceFileName, destFileName), () => File.Move(sourceFileName, destFileName), () => MoveThroughBroker(sourceFileName, destFileName, overwrite: false));

    [Replaces("M:System.IO.File.Move(System.String,System.String,System.Boolean)")]
    public static void Move(string sourceFileName, string destFileName, bool overwrite) =>
        FastPath.Run(FallbackRule.ForMove(sourceFileName, destFileName), () => File.Move(sourceFileName, destFileName, overwrite), () => MoveThroughBroker(sourceFileName, destFileName, overwrite));

    [Replaces("M:System.IO.File.GetAttributes(System.String)")]
    public static FileAttributes GetAttributes(string path) =>
        Run(path, () => File.GetAttributes(path), () => GetAttributesThroughBroker(path));

    [Replaces("M:System.IO.File.GetLastWriteTimeUtc(System.String)")]
    public static DateTime GetLastWriteTimeUtc(string path) =>
        Run(path, () => File.GetLastWriteTimeUtc(path), () => GetLastWriteTimeUtcThroughBroker(path));

    private static bool ExistsThroughBroker(string? path)
    {
        // File.Exists' own early answers: no path, and a path that ends in a separator names a directory.
        if (string.IsNullOrEmpty(path) || Path.EndsInDirectorySeparator(path))
        {
            return false;
        }

        try
        {
            return BrokerActions.Current.GetStatus(path).Kind is FileSystemEntryKind.File or FileSystemEntryKind.Other;
        }
        catch (Exception ex) when (ex is ArgumentException or IOException or UnauthorizedAccessException)
        {
            // File.Exists answers false whatever went wrong, and so does its replacement.
            return false;
        }
    }

    private static void DeleteThroughBroker(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            BrokerActions.Current.DeleteFile(path);
        }
        catch (FileNotFoundException)
        {
            // File.Delete of a file that is not there succeeds (a missing directory still throws).
        }
    }

    /// <summary>
    /// After a refusal each side of the copy is opened on its own route: the source may need the broker while the
    /// destination is the agent's own (or the other way round), and each is audited only if it needed privilege.
    /// </summary>
    private static void CopyAfterRefusal(string sourceFileName, string destFileName, bool overwrite)
    {
        ArgumentException.ThrowIfNullOrEmpty(sourceFileName);
        ArgumentException.ThrowIfNullOrEmpty(destFileName);

        using var source = FileStreamShims.Open(sourceFileName, FileMode.Open, FileAccess.Read, FileShare.Read, DefaultBufferSize, FileOptions.None);

        // Opened without truncation, so that copying a file onto itself (under another name) cannot destroy it before it is read.
        using var destination = FileStreamShims.Open(destFileName, overwrite ? FileMode.OpenOrCreate : FileMode.CreateNew, FileAccess.Write, FileShare.None, DefaultBufferSize, FileOptions.None);
        if (LibC.GetFileIdentity(source.SafeFileHandle) == LibC.GetFileIdentity(destination.SafeFileHandle))
        {
            throw new IOException($"The process cannot access the file '{Path.GetFullPath(destFileName)}' because it is being used by another process.");
        }

        destination.SetLength(0);
        source.CopyTo(destination);
    }

    private static void MoveThroughBroker(string sourceFileName, string destFileName, bool overwrite)
    {
        ArgumentException.ThrowIfNullOrEmpty(sourceFileName);
        ArgumentException.ThrowIfNullOrEmpty(destFileName);
        BrokerActions.Current.MoveFile(sourceFileName, destFileName, overwrite);
    }

    private static FileAttributes GetAttributesThroughBroker(string path)
    {
        string fullPath = Path.GetFullPath(path);
        var status = BrokerActions.Current.GetStatus(fullPath);
        return status.Exists ? status.Attributes : throw new FileNotFoundException($"Could not find file '{fullPath}'.", fullPath);
    }

    private static DateTime GetLastWriteTimeUtcThroughBroker(string path)
    {
        string fullPath = Path.GetFullPath(path);
        FileStatusResponse status;
        try
        {
            status = BrokerActions.Current.GetStatus(fullPath);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return MissingFileTime;
        }

        return status.Exists ? AsUtc(status.LastWriteTimeUtc) : MissingFileTime;
    }

    // A time that crossed the wire may come back Unspecified; it was UTC when it left.
    private static DateTime AsUtc(DateTime time) => time.Kind switch
    {
        DateTimeKind.Utc => time,
        DateTimeKind.Local => time.ToUniversalTime(),
        _ => DateTime.SpecifyKind(time, DateTimeKind.Utc),
    };
}

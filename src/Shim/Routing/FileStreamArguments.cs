namespace PrivSep.Shim.Routing;

/// <summary>
/// The argument checks <see cref="FileStream"/>'s path constructors make before they touch the file system, repeated here
/// so that a brokered open rejects the same arguments with the same exception (type and parameter name) and sends nothing.
/// Kept in step with the BCL by a test that compares both over every combination.
/// </summary>
internal static class FileStreamArguments
{
    // FileOptions the BCL accepts: the named values plus Windows' FILE_FLAG_NO_BUFFERING (0x20000000).
    private const FileOptions KnownOptions = FileOptions.WriteThrough | FileOptions.Asynchronous | FileOptions.RandomAccess
        | FileOptions.DeleteOnClose | FileOptions.SequentialScan | FileOptions.Encrypted | (FileOptions)0x20000000;

    /// <summary>As <c>FileStreamHelpers.ValidateArguments</c>.</summary>
    public static void Validate(string path, FileMode mode, FileAccess access, FileShare share, int bufferSize, FileOptions options, long preallocationSize = 0)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length == 0)
        {
            throw new ArgumentException("Empty path name is not legal.", nameof(path));
        }

        FileShare shareWithoutInheritable = share & ~FileShare.Inheritable;
        string? badEnum =
            mode is < FileMode.CreateNew or > FileMode.Append ? nameof(mode) :
            access is < FileAccess.Read or > FileAccess.ReadWrite ? nameof(access) :
            shareWithoutInheritable is < FileShare.None or > (FileShare.ReadWrite | FileShare.Delete) ? nameof(share) :
            null;
        if (badEnum is not null)
        {
            throw new ArgumentOutOfRangeException(badEnum, "Enum value was out of legal range.");
        }

        if (options != FileOptions.None && (options & ~KnownOptions) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "Enum value was out of legal range.");
        }

        if (bufferSize < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(bufferSize), "Non-negative number required.");
        }

        if (preallocationSize < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(preallocationSize), "Non-negative number required.");
        }

        if ((access & FileAccess.Write) == 0 && mode is FileMode.Truncate or FileMode.CreateNew or FileMode.Create or FileMode.Append)
        {
            throw new ArgumentException($"Combining FileMode: {mode} with FileAccess: {access} is invalid.", nameof(access));
        }

        if ((access & FileAccess.Read) != 0 && mode == FileMode.Append)
        {
            throw new ArgumentException("Append access can be requested only in write-only mode.", nameof(access));
        }

        ValidatePreallocation(mode, access, preallocationSize);
    }

    /// <summary>
    /// As <see cref="FileStream(string, FileStreamOptions)"/> (the options' own setters have checked each value); the
    /// preallocation checks then name "access" or "mode" although the caller passed an options object, as the BCL's do.
    /// </summary>
    public static void Validate(string path, FileStreamOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(options);

        if ((options.Access & FileAccess.Read) != 0 && options.Mode == FileMode.Append)
        {
            throw new ArgumentException("Append access can be requested only in write-only mode.", nameof(options));
        }

        if ((options.Access & FileAccess.Write) == 0 && options.Mode is FileMode.Truncate or FileMode.CreateNew or FileMode.Create or FileMode.Append)
        {
            throw new ArgumentException($"Combining FileMode: {options.Mode} with FileAccess: {options.Access} is invalid.", nameof(options));
        }

        ValidatePreallocation(options.Mode, options.Access, options.PreallocationSize);

        if (options.UnixCreateMode.HasValue && options.Mode is FileMode.Open or FileMode.Truncate)
        {
            throw new ArgumentException("UnixCreateMode can be requested only for modes that can create new files.", nameof(options));
        }

        Validate(path, options.Mode, options.Access, options.Share, options.BufferSize, options.Options, options.PreallocationSize);
    }

    private static void ValidatePreallocation(FileMode mode, FileAccess access, long preallocationSize)
    {
        if (preallocationSize <= 0)
        {
            return;
        }

        if ((access & FileAccess.Write) == 0)
        {
            throw new ArgumentException("Preallocation size can be requested only in write mode.", nameof(access));
        }

        if (mode is not (FileMode.Create or FileMode.CreateNew))
        {
            throw new ArgumentException("Preallocation size can be requested only for new files.", nameof(mode));
        }
    }
}

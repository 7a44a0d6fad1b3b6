namespace PrivSep.Shim.Routing;

/// <summary>
/// Opens a file through the broker as <see cref="FileStream"/>'s path constructors would, adding back what a bare
/// descriptor does not carry: argument validation before anything is sent, and the append position.
/// </summary>
internal static class BrokeredFileOpen
{
    public static FileStream Open(string path, FileMode mode, FileAccess access, FileShare share, int bufferSize, FileOptions options)
    {
        FileStreamArguments.Validate(path, mode, access, share, bufferSize, options);
        var stream = BrokerActions.Current.OpenFile(path, mode, access, share, BufferSizeForDescriptor(bufferSize), ForDescriptor(options));
        return PositionForAppend(stream, mode);
    }

    public static FileStream Open(string path, FileStreamOptions options)
    {
        FileStreamArguments.Validate(path, options);
        return Open(path, ModeWithoutCreateMode(path, options), options.Access, options.Share, options.BufferSize, options.Options);
    }

    public static async Task<FileStream> OpenAsync(string path, FileMode mode, FileAccess access, FileShare share, int bufferSize, FileOptions options, CancellationToken cancellationToken)
    {
        FileStreamArguments.Validate(path, mode, access, share, bufferSize, options);
        var stream = await BrokerActions.Current.OpenFileAsync(path, mode, access, share, BufferSizeForDescriptor(bufferSize), ForDescriptor(options), cancellationToken).ConfigureAwait(false);
        return PositionForAppend(stream, mode);
    }

    /// <summary>
    /// A received descriptor is a synchronous handle, and <see cref="FileStream"/> refuses to wrap it with
    /// <c>isAsync: true</c>; on Linux asynchronous file I/O is emulated on the thread pool either way, so nothing is lost.
    /// </summary>
    private static FileOptions ForDescriptor(FileOptions options) => options & ~FileOptions.Asynchronous;

    // 0 and 1 both mean "unbuffered" to the path constructors; 1 is what every FileStream constructor accepts.
    private static int BufferSizeForDescriptor(int bufferSize) => bufferSize == 0 ? 1 : bufferSize;

    /// <summary>
    /// A FileStream opened in append mode starts at the end of the file (StreamWriter relies on that to skip the preamble),
    /// but one wrapped around a descriptor starts at offset 0 even when the descriptor has O_APPEND.
    /// </summary>
    private static FileStream PositionForAppend(FileStream stream, FileMode mode)
    {
        if (mode == FileMode.Append && stream.CanSeek)
        {
            stream.Seek(0, SeekOrigin.End);
        }

        return stream;
    }

    /// <summary>
    /// The broker creates files with its own mode; creating one that the caller asked to be, say, 0600 with a looser mode
    /// would silently widen access, so a brokered create with an explicit <see cref="FileStreamOptions.UnixCreateMode"/>
    /// is refused. A file that already exists is opened as usual (the BCL ignores the mode then too), with a mode that
    /// cannot create it should it vanish in between.
    /// </summary>
    private static FileMode ModeWithoutCreateMode(string path, FileStreamOptions options)
    {
        if (options.UnixCreateMode is null || options.Mode is FileMode.Open or FileMode.Truncate)
        {
            return options.Mode;
        }

        if (options.Mode != FileMode.CreateNew && BrokerActions.Current.GetStatus(path).Exists)
        {
            return options.Mode switch
            {
                FileMode.OpenOrCreate => FileMode.Open,
                FileMode.Create => FileMode.Truncate,
                _ => options.Mode, // Append: a file deleted in this instant would be recreated with the broker's mode.
            };
        }

        throw new UnauthorizedAccessException(
            $"Access to the path '{Path.GetFullPath(path)}' is denied: the PrivSep broker cannot create a file with an explicit UnixCreateMode ({options.UnixCreateMode.Value}).");
    }
}

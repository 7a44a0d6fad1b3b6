namespace PrivSep.Relay;

/// <summary>
/// Copies one stream to another as data arrives, each chunk written through at once: a plugin reading the command's
/// output line by line must see each line when the command writes it, not when a buffer fills.
/// </summary>
internal static class StdioPump
{
    private const int ChunkBytes = 64 * 1024;

    /// <summary>
    /// Copies on a thread of its own (the reads block) until <paramref name="source"/> ends or either side fails, then
    /// closes <paramref name="commandEnd"/>, the pipe end on the command's side. That is how an end is passed on: closing
    /// the command's stdin is its end of input; closing the read end of its output when our reader has gone makes its
    /// next write fail with EPIPE, as it would for a local command whose reader went away.
    /// </summary>
    public static Task Start(Stream source, Stream destination, Stream commandEnd) =>
        Task.Factory.StartNew(() => Copy(source, destination, commandEnd), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static void Copy(Stream source, Stream destination, Stream commandEnd)
    {
        byte[] buffer = new byte[ChunkBytes];
        try
        {
            int read;
            while ((read = source.Read(buffer)) > 0)
            {
                destination.Write(buffer.AsSpan(0, read));
            }
        }
        catch (IOException)
        {
            // A closed pipe on either side ends this direction only; how the command ended is told by exec.wait.
        }
        finally
        {
            commandEnd.Dispose();
        }
    }
}

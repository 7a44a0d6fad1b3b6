using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using PrivSep.Broker.Interop;

namespace PrivSep.Broker.Exec;

/// <summary>
/// Moves a brokered command's stdio between its pipes and the client's: client → command stdin, command stdout and
/// stderr → client, counting the output and cutting it at the policy's cap (the command's group is killed then).
/// <para>
/// Why the broker sits in the path instead of handing the command's own pipe ends to the client: only the broker can
/// count and cap what a root command writes. Why one poll(2) loop on a thread of its own over non-blocking ends the
/// broker alone holds: nothing in it can block — a client that stops reading only stops the relay reading the
/// command (which then blocks on its own full pipe, as it would writing to a slow reader), and a stop request or a
/// deadline is seen within one tick. Every buffer is fixed (<see cref="BufferBytes"/> per direction).
/// </para>
/// <para>
/// The relay ends when stdout and stderr both reached end of file and were delivered, or when it is stopped. A client
/// that closes its end makes the relay close the command's (the command's next write fails with EPIPE, as with a
/// local reader that went away). After the command exited, a drain longer than <see cref="DrainLimit"/> (a client
/// that does not read, or a daemon the command started with setsid still holding the pipe) ends it too, so a finished
/// command's resources are always freed; what was not delivered then is counted in <see cref="RelayTotals"/>.
/// </para>
/// </summary>
internal sealed class CommandRelay
{
    public const int BufferBytes = 64 * 1024;
    private const int TickMilliseconds = 100;

    /// <summary>How long after the command's exit its output may take to reach the client.</summary>
    public static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(60);

    private readonly Flow stdin;
    private readonly Flow stdout;
    private readonly Flow stderr;
    private readonly long maxOutputBytes;
    private readonly Action onOutputLimit;
    private readonly TaskCompletionSource<RelayTotals> completed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Thread thread;
    private volatile bool stopRequested;
    private long exitedAt;
    private bool limitReached;

    private CommandRelay(RunningCommand command, long maxOutputBytes, Action onOutputLimit, out ClientEnds clientEnds)
    {
        this.maxOutputBytes = maxOutputBytes;
        this.onOutputLimit = onOutputLimit;
        var opened = new List<SafeFileHandle>(6);
        try
        {
            var (stdinRead, stdinWrite) = Add(opened, Pipes.Create());
            var (stdoutRead, stdoutWrite) = Add(opened, Pipes.Create());
            var (stderrRead, stderrWrite) = Add(opened, Pipes.Create());
            foreach (var end in new[] { stdinRead, stdoutWrite, stderrWrite, command.Stdin, command.Stdout, command.Stderr })
            {
                Pipes.MakeNonBlocking(end);
            }

            this.stdin = new Flow(stdinRead, command.Stdin, counted: false);
            this.stdout = new Flow(command.Stdout, stdoutWrite, counted: true);
            this.stderr = new Flow(command.Stderr, stderrWrite, counted: true);
            clientEnds = new ClientEnds(stdinWrite, stdoutRead, stderrRead);
        }
        catch
        {
            foreach (var end in opened)
            {
                end.Dispose();
            }

            throw;
        }

        this.thread = new Thread(this.Run) { IsBackground = true, Name = $"privsep relay {command.Pid}" };
    }

    /// <summary>Bytes relayed so far, and whether the cap cut the output.</summary>
    public Task<RelayTotals> Completed => this.completed.Task;

    /// <summary>
    /// Starts relaying. <paramref name="clientEnds"/> are the client's ends (its stdin write end, its stdout and stderr
    /// read ends), for the caller to send and then close.
    /// </summary>
    public static CommandRelay Start(RunningCommand command, long maxOutputBytes, Action onOutputLimit, out ClientEnds clientEnds)
    {
        var relay = new CommandRelay(command, maxOutputBytes, onOutputLimit, out clientEnds);
        relay.thread.Start();
        return relay;
    }

    /// <summary>The command exited: from now on the drain limits apply.</summary>
    public void OnCommandExited() => Interlocked.CompareExchange(ref this.exitedAt, Stopwatch.GetTimestamp(), 0);

    /// <summary>Asks the relay to end; its thread closes every end within one tick and then completes <see cref="Completed"/>.</summary>
    public void Stop() => this.stopRequested = true;

    private static (SafeFileHandle Read, SafeFileHandle Write) Add(List<SafeFileHandle> opened, (SafeFileHandle Read, SafeFileHandle Write) pipe)
    {
        opened.Add(pipe.Read);
        opened.Add(pipe.Write);
        return pipe;
    }

    private unsafe void Run()
    {
        var flows = new[] { this.stdin, this.stdout, this.stderr };
        var polled = new Flow[flows.Length];
        var polledSource = new bool[flows.Length];
        var descriptors = stackalloc LibC.PollDescriptor[flows.Length];
        try
        {
            while (!this.stopRequested && !(this.stdout.Finished && this.stderr.Finished) && !this.DrainOver())
            {
                var count = 0;
                foreach (var flow in flows)
                {
                    if (flow.Finished)
                    {
                        continue;
                    }

                    // One direction of one flow at a time: read when its buffer is empty, write until it is.
                    var reading = flow.IsEmpty;
                    var end = reading ? flow.Source : flow.Sink;
                    descriptors[count] = new LibC.PollDescriptor { Fd = (int)end.DangerousGetHandle(), Events = reading ? LibC.POLLIN : LibC.POLLOUT };
                    polled[count] = flow;
                    polledSource[count] = reading;
                    count++;
                }

                if (LibC.Poll(descriptors, (nuint)count, TickMilliseconds) == -1)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == LibC.EINTR)
                    {
                        continue;
                    }

                    throw new Win32Exception(errno, $"poll failed: {new Win32Exception(errno).Message}");
                }

                for (var i = 0; i < count; i++)
                {
                    if (descriptors[i].ReturnedEvents == 0)
                    {
                        continue;
                    }

                    if (polledSource[i])
                    {
                        this.Fill(polled[i]);
                    }
                    else
                    {
                        Drain(polled[i]);
                    }
                }

                // The command sees end of file on stdin once the client closed its end and everything was delivered.
                if (this.stdin.Finished)
                {
                    this.stdin.Close();
                }
            }
        }
        catch (Exception ex)
        {
            BrokerLog.Error($"command relay failed, closing the command's stdio: {ex.Message}");
        }
        finally
        {
            // Closing the client's ends is what tells the client the output is complete.
            foreach (var flow in flows)
            {
                flow.Close();
            }

            var undelivered = this.stdout.Bytes - this.stdout.Delivered + this.stderr.Bytes - this.stderr.Delivered;
            this.completed.TrySetResult(new RelayTotals(this.stdout.Bytes, this.stderr.Bytes, this.limitReached, undelivered));
        }
    }

    private bool DrainOver()
    {
        var exited = Interlocked.Read(ref this.exitedAt);
        return exited != 0 && Stopwatch.GetElapsedTime(exited) > DrainLimit;
    }

    /// <summary>Reads what the source has into the empty buffer. Output past the cap is read and dropped, so the command never blocks on it.</summary>
    private unsafe void Fill(Flow flow)
    {
        fixed (byte* buffer = flow.Buffer)
        {
            var read = LibC.Read((int)flow.Source.DangerousGetHandle(), buffer, (nuint)flow.Buffer.Length);
            if (read == -1)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno is not (LibC.EAGAIN or LibC.EINTR))
                {
                    flow.SourceDone = true;
                }

                return;
            }

            if (read == 0)
            {
                flow.SourceDone = true;
                return;
            }

            var kept = (int)read;
            if (flow.Counted)
            {
                var left = Math.Max(0, this.maxOutputBytes - this.stdout.Bytes - this.stderr.Bytes);
                if (read > left)
                {
                    kept = (int)left;
                    this.OnLimit();
                }

                flow.Bytes += kept;
            }

            flow.Start = 0;
            flow.End = kept;
        }
    }

    /// <summary>
    /// Writes what the sink takes. A sink that is gone (the client closed its end, or the command its stdin) ends the
    /// flow: the source is closed too, so whoever writes into it gets EPIPE, as it would from a reader that went away.
    /// </summary>
    private static unsafe void Drain(Flow flow)
    {
        fixed (byte* buffer = flow.Buffer)
        {
            var written = LibC.Write((int)flow.Sink.DangerousGetHandle(), buffer + flow.Start, (nuint)(flow.End - flow.Start));
            if (written == -1)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno is not (LibC.EAGAIN or LibC.EINTR))
                {
                    // EPIPE (the runtime ignores SIGPIPE) or any other error: nobody takes this stream any more.
                    flow.Close();
                }

                return;
            }

            flow.Start += (int)written;
            flow.Delivered += written;
            if (flow.Start == flow.End)
            {
                flow.Start = flow.End = 0;
            }
        }
    }

    private void OnLimit()
    {
        if (this.limitReached)
        {
            return;
        }

        this.limitReached = true;
        try
        {
            this.onOutputLimit();
        }
        catch (Exception ex)
        {
            BrokerLog.Error($"could not stop a command at its output limit: {ex.Message}");
        }
    }

    /// <summary>The client's ends of the three pipes.</summary>
    internal sealed record ClientEnds(SafeFileHandle Stdin, SafeFileHandle Stdout, SafeFileHandle Stderr) : IDisposable
    {
        /// <summary>Closes the ends not handed to the client; closing one already sent (and so already closed) is harmless.</summary>
        public void Dispose()
        {
            this.Stdin.Dispose();
            this.Stdout.Dispose();
            this.Stderr.Dispose();
        }
    }

    /// <summary>One direction: bytes read from <see cref="Source"/> wait in <see cref="Buffer"/> until <see cref="Sink"/> takes them.</summary>
    private sealed class Flow(SafeFileHandle source, SafeFileHandle sink, bool counted)
    {
        public SafeFileHandle Source { get; } = source;

        public SafeFileHandle Sink { get; } = sink;

        public bool Counted { get; } = counted;

        public byte[] Buffer { get; } = new byte[BufferBytes];

        public int Start { get; set; }

        public int End { get; set; }

        public bool SourceDone { get; set; }

        public bool SinkDone { get; set; }

        /// <summary>Bytes read from the source (and, for output, counted against the cap).</summary>
        public long Bytes { get; set; }

        /// <summary>Bytes the sink took.</summary>
        public long Delivered { get; set; }

        public bool IsEmpty => this.Start == this.End;

        public bool Finished => this.SourceDone && (this.IsEmpty || this.SinkDone);

        public void Close()
        {
            this.SourceDone = true;
            this.SinkDone = true;
            this.Source.Dispose();
            this.Sink.Dispose();
        }
    }
}

/// <summary>
/// What a relay moved: output bytes per stream (as the command wrote them, up to the cap), whether the policy's cap
/// cut it, and how many of those bytes never reached the client (it closed its end, or did not read them in time).
/// </summary>
internal sealed record RelayTotals(long StdoutBytes, long StderrBytes, bool OutputLimitReached, long UndeliveredBytes);

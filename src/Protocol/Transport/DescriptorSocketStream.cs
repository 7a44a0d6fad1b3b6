using System.Net.Sockets;
using System.Runtime.InteropServices;
using PrivSep.Protocol.Interop;

namespace PrivSep.Protocol.Transport;

/// <summary>
/// A duplex stream over a connected Unix stream socket that can carry file descriptors (SCM_RIGHTS) with its bytes.
/// Reads use recvmsg with MSG_CMSG_CLOEXEC so a received descriptor never leaks into a child process; writes attach
/// every queued descriptor to the next bytes sent, so a descriptor reaches the peer before the response that names it.
/// </summary>
public sealed class DescriptorSocketStream : Stream
{
    /// <summary>Descriptors attached to one sendmsg; the receiver's control buffer is sized for this many.</summary>
    private const int MaxDescriptorsPerMessage = 16;

    private static readonly TimeSpan SendStallLimit = TimeSpan.FromSeconds(10);

    private readonly Socket socket;
    private readonly int fd;
    private readonly bool acceptDescriptors;
    private readonly int maxPendingDescriptors;
    private readonly object pendingGate = new();
    private readonly Queue<SafeHandle> pendingDescriptors = new();
    private long nextOutgoingSequence;
    private int disposed;

    /// <param name="acceptDescriptors">
    /// False on the broker: a client has no business sending descriptors, and any that arrive are closed and end the stream.
    /// </param>
    /// <param name="maxPendingDescriptors">
    /// Descriptors that may wait for the next write: the queue grows only with answers not yet written, and a peer must
    /// never be able to make it (and the process's descriptor table) grow without bound.
    /// </param>
    public DescriptorSocketStream(Socket socket, bool acceptDescriptors, int maxPendingDescriptors = 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPendingDescriptors, 1);
        this.socket = socket;
        this.fd = (int)socket.SafeHandle.DangerousGetHandle();
        this.acceptDescriptors = acceptDescriptors;
        this.maxPendingDescriptors = maxPendingDescriptors;
    }

    public Socket Socket => this.socket;

    public ReceivedDescriptors Received { get; } = new();

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>
    /// Queues a descriptor to travel with the next bytes written and returns its sequence number on this connection.
    /// The stream owns <paramref name="descriptor"/> from now on and closes it once sent (or when the stream is disposed).
    /// </summary>
    /// <exception cref="IOException">The queue is full (the descriptor is closed).</exception>
    public long EnqueueDescriptor(SafeHandle descriptor)
    {
        lock (this.pendingGate)
        {
            if (Volatile.Read(ref this.disposed) != 0)
            {
                descriptor.Dispose();
                throw new ObjectDisposedException(nameof(DescriptorSocketStream));
            }

            if (this.pendingDescriptors.Count >= this.maxPendingDescriptors)
            {
                descriptor.Dispose();
                throw new IOException($"{this.maxPendingDescriptors} descriptors already wait to be sent on this connection; no more are queued until they leave.");
            }

            this.pendingDescriptors.Enqueue(descriptor);
            return this.nextOutgoingSequence++;
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (true)
        {
            int received = this.TryReceive(buffer.Span);
            if (received >= 0)
            {
                return received;
            }

            // Nothing buffered in the kernel: wait for readability without consuming (a zero-byte receive).
            try
            {
                await this.socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException ex)
            {
                throw new IOException($"Reading from the socket failed: {ex.Message}", ex);
            }
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        this.ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) =>
        this.ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var stalledSince = default(DateTime?);
        while (!buffer.IsEmpty)
        {
            SafeHandle[] batch = this.PeekPendingDescriptors(out bool moreAfterBatch);
            if (batch.Length == 0)
            {
                while (!buffer.IsEmpty)
                {
                    int sent;
                    try
                    {
                        sent = await this.socket.SendAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                    }
                    catch (SocketException ex)
                    {
                        // Streams report transport failures as IOException, as NetworkStream does.
                        throw new IOException($"Writing to the socket failed: {ex.Message}", ex);
                    }

                    buffer = buffer[sent..];
                }

                return;
            }

            // With more descriptors queued than one message carries, send them with single bytes so every batch rides on data.
            var chunk = moreAfterBatch ? buffer[..1] : buffer;
            int result = this.SendWithDescriptors(chunk.Span, batch);
            if (result < 0)
            {
                stalledSince ??= DateTime.UtcNow;
                if (DateTime.UtcNow - stalledSince > SendStallLimit)
                {
                    throw new IOException("The peer stopped reading: a descriptor could not be sent for 10 seconds.");
                }

                await Task.Delay(1, cancellationToken).ConfigureAwait(false);
                continue;
            }

            stalledSince = null;
            this.DropSentDescriptors(batch.Length);
            buffer = buffer[result..];
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        this.WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) =>
        this.WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref this.disposed, 1) == 0 && disposing)
        {
            lock (this.pendingGate)
            {
                while (this.pendingDescriptors.TryDequeue(out var descriptor))
                {
                    descriptor.Dispose();
                }
            }

            this.Received.Dispose();
            this.socket.Dispose();
        }

        base.Dispose(disposing);
    }

    private SafeHandle[] PeekPendingDescriptors(out bool moreAfterBatch)
    {
        lock (this.pendingGate)
        {
            int count = Math.Min(this.pendingDescriptors.Count, MaxDescriptorsPerMessage);
            moreAfterBatch = this.pendingDescriptors.Count > count;
            return count == 0 ? [] : this.pendingDescriptors.Take(count).ToArray();
        }
    }

    private void DropSentDescriptors(int count)
    {
        lock (this.pendingGate)
        {
            for (int i = 0; i < count; i++)
            {
                // The peer holds its own reference now; ours is no longer needed.
                this.pendingDescriptors.Dequeue().Dispose();
            }
        }
    }

    /// <returns>Bytes sent, or -1 when the socket buffer is full (try again later).</returns>
    private unsafe int SendWithDescriptors(ReadOnlySpan<byte> data, SafeHandle[] descriptors)
    {
        int dataLength = descriptors.Length * sizeof(int);
        int controlLength = LibC.CmsgSpace(dataLength);
        byte* control = stackalloc byte[controlLength];
        new Span<byte>(control, controlLength).Clear();
        var header = (LibC.CMsgHdr*)control;
        header->Length = (nuint)LibC.CmsgLength(dataLength);
        header->Level = LibC.SOL_SOCKET;
        header->Type = LibC.SCM_RIGHTS;
        int* fds = (int*)(control + LibC.CmsgAlign(sizeof(LibC.CMsgHdr)));

        var added = new bool[descriptors.Length];
        try
        {
            for (int i = 0; i < descriptors.Length; i++)
            {
                descriptors[i].DangerousAddRef(ref added[i]);
                fds[i] = (int)descriptors[i].DangerousGetHandle();
            }

            fixed (byte* bytes = data)
            {
                var iov = new LibC.IoVec { Base = bytes, Length = (nuint)data.Length };
                var message = new LibC.MsgHdr { Iov = &iov, IovLength = 1, Control = control, ControlLength = (nuint)controlLength };
                while (true)
                {
                    nint sent = LibC.SendMsg(this.fd, &message, LibC.MSG_DONTWAIT | LibC.MSG_NOSIGNAL);
                    if (sent >= 0)
                    {
                        return (int)sent;
                    }

                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == LibC.EINTR)
                    {
                        continue;
                    }

                    if (errno == LibC.EAGAIN)
                    {
                        return -1;
                    }

                    throw new IOException($"sendmsg with descriptors failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).");
                }
            }
        }
        finally
        {
            for (int i = 0; i < descriptors.Length; i++)
            {
                if (added[i])
                {
                    descriptors[i].DangerousRelease();
                }
            }
        }
    }

    /// <returns>Bytes received (0 at end of stream), or -1 when nothing is available yet.</returns>
    private unsafe int TryReceive(Span<byte> buffer)
    {
        int controlLength = LibC.CmsgSpace(MaxDescriptorsPerMessage * sizeof(int));
        byte* control = stackalloc byte[controlLength];
        fixed (byte* bytes = buffer)
        {
            var iov = new LibC.IoVec { Base = bytes, Length = (nuint)buffer.Length };
            var message = new LibC.MsgHdr { Iov = &iov, IovLength = 1, Control = control, ControlLength = (nuint)controlLength };
            nint received;
            while (true)
            {
                received = LibC.RecvMsg(this.fd, &message, LibC.MSG_DONTWAIT | LibC.MSG_CMSG_CLOEXEC);
                if (received >= 0)
                {
                    break;
                }

                int errno = Marshal.GetLastPInvokeError();
                if (errno == LibC.EINTR)
                {
                    continue;
                }

                if (errno == LibC.EAGAIN)
                {
                    return -1;
                }

                throw new IOException($"recvmsg failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).");
            }

            int descriptorCount = this.CollectDescriptors(&message);
            if ((message.Flags & LibC.MSG_CTRUNC) != 0)
            {
                throw new IOException("Descriptors were lost in transit (MSG_CTRUNC): the connection is out of step and must be closed.");
            }

            if (descriptorCount > 0 && !this.acceptDescriptors)
            {
                throw new IOException("The peer sent file descriptors, which this side never accepts; closing the connection.");
            }

            return (int)received;
        }
    }

    private unsafe int CollectDescriptors(LibC.MsgHdr* message)
    {
        int count = 0;
        byte* cursor = (byte*)message->Control;
        byte* end = cursor + message->ControlLength;
        int headerSize = LibC.CmsgAlign(sizeof(LibC.CMsgHdr));
        while (cursor + headerSize <= end)
        {
            var header = (LibC.CMsgHdr*)cursor;
            if (header->Length < (nuint)headerSize || cursor + (long)header->Length > end)
            {
                break;
            }

            if (header->Level == LibC.SOL_SOCKET && header->Type == LibC.SCM_RIGHTS)
            {
                int n = ((int)header->Length - headerSize) / sizeof(int);
                int* fds = (int*)(cursor + headerSize);
                for (int i = 0; i < n; i++)
                {
                    count++;
                    if (this.acceptDescriptors)
                    {
                        this.Received.Add(fds[i]);
                    }
                    else
                    {
                        // Nothing useful can follow a failed close of a descriptor we never wanted; the stream ends anyway.
                        _ = LibC.Close(fds[i]);
                    }
                }
            }

            cursor += LibC.CmsgAlign((int)header->Length);
        }

        return count;
    }
}

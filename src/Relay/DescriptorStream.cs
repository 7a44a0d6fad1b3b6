using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using PrivSep.Relay.Interop;

namespace PrivSep.Relay;

/// <summary>
/// A descriptor read and written with plain read(2)/write(2), so the bytes go through the descriptor's shared file
/// offset like a local command's would (see <see cref="LibC"/> for why not FileStream). Blocking; no buffering, so every
/// write reaches the descriptor at once. Failures, including EPIPE and EBADF, are <see cref="IOException"/>s.
/// </summary>
internal sealed unsafe class DescriptorStream(SafeFileHandle handle, string name) : Stream
{
    /// <summary>How long to wait before retrying a descriptor someone else made non-blocking.</summary>
    private static readonly TimeSpan WouldBlockPause = TimeSpan.FromMilliseconds(5);

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>One of the relay's own descriptors 0, 1, 2: used, never closed.</summary>
    public static DescriptorStream Borrowed(int fd, string name) => new(new SafeFileHandle(fd, ownsHandle: false), name);

    public override int Read(byte[] buffer, int offset, int count) => this.Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        fixed (byte* bytes = buffer)
        {
            return (int)this.Call(&LibC.Read, bytes, buffer.Length, "read");
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => this.Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        fixed (byte* bytes = buffer)
        {
            int done = 0;
            while (done < buffer.Length)
            {
                done += (int)this.Call(&LibC.Write, bytes + done, buffer.Length - done, "write");
            }
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            handle.Dispose();
        }

        base.Dispose(disposing);
    }

    private nint Call(delegate*<int, byte*, nuint, nint> call, byte* bytes, int count, string operation)
    {
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            int fd = (int)handle.DangerousGetHandle();
            while (true)
            {
                nint result = call(fd, bytes, (nuint)count);
                if (result >= 0)
                {
                    return result;
                }

                int errno = Marshal.GetLastPInvokeError();
                if (errno == LibC.EAGAIN)
                {
                    Thread.Sleep(WouldBlockPause);
                }
                else if (errno != LibC.EINTR)
                {
                    throw new IOException($"{operation} on {name} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).", errno);
                }
            }
        }
        catch (ObjectDisposedException ex)
        {
            throw new IOException($"{name} is closed.", ex);
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }
}

using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using StreamJsonRpc;
using StreamJsonRpc.Protocol;

namespace PrivSep.Protocol.Framing;

/// <summary>
/// Frames JSON-RPC messages with a 4-byte big-endian length and enforces what StreamJsonRpc does not:
/// a maximum message size (checked on the header, before any body is buffered), a time bound on each message
/// once its first byte arrived, allow-lists of request and notification names (anything else ends the
/// connection), and a cap on requests in flight (reading pauses until a response goes out, so a client cannot
/// queue unbounded work). A notification has no id, so no response ever frees a slot for it: only names the
/// peer may legitimately send without an id (StreamJsonRpc's cancellation) pass, and none counts as work.
/// </summary>
public sealed class BoundedMessageHandler : MessageHandlerBase
{
    private const int HeaderLength = 4;

    private readonly Stream stream;
    private readonly int maxMessageBytes;
    private readonly InboundMessageRules rules;
    private readonly TimeSpan? frameTimeout;
    private readonly SemaphoreSlim? requestSlots;
    private readonly ConcurrentDictionary<RequestId, byte> requestsInFlight = new();
    private readonly ArrayBufferWriter<byte> writeBuffer = new(4096);
    private readonly CancellationTokenSource violation = new();
    private byte[] readBuffer = new byte[16 * 1024];
    private int readStart;
    private int readEnd;
    private long lastActivity = Environment.TickCount64;

    /// <param name="rules">What the peer may send.</param>
    /// <param name="maxConcurrentRequests">Requests from the peer in flight at once; 0 for no cap (the client side).</param>
    /// <param name="frameTimeout">How long a message may take to arrive once its first byte has; null for no bound (the client side).</param>
    public BoundedMessageHandler(Stream stream, IJsonRpcMessageFormatter formatter, int maxMessageBytes, InboundMessageRules rules, int maxConcurrentRequests, TimeSpan? frameTimeout = null)
        : base(formatter)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessageBytes, 64);
        this.stream = stream;
        this.maxMessageBytes = maxMessageBytes;
        this.rules = rules;
        this.frameTimeout = frameTimeout;
        this.requestSlots = maxConcurrentRequests > 0 ? new SemaphoreSlim(maxConcurrentRequests, maxConcurrentRequests) : null;
    }

    /// <summary>Requests read from the peer whose response has not been written yet.</summary>
    public int RequestsInFlight => this.requestsInFlight.Count;

    /// <summary>How long since the last complete message was read or written (a half-received one does not count).</summary>
    public TimeSpan QuietFor => TimeSpan.FromMilliseconds(Environment.TickCount64 - Volatile.Read(ref this.lastActivity));

    /// <summary>True from the moment disposal starts, before the stream (and so the connection) is closed.</summary>
    public bool IsClosing => this.DisposalToken.IsCancellationRequested;

    /// <summary>Why the connection was ended for a protocol violation, if it was.</summary>
    public string? ViolationReason { get; private set; }

    public override bool CanRead => true;

    public override bool CanWrite => true;

    protected override async ValueTask<JsonRpcMessage?> ReadCoreAsync(CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, this.violation.Token);
        var token = linked.Token;

        // Waiting for a message to start is unbounded here (the connection's idle bound is its owner's); once its first
        // byte is in, the whole message must follow within the frame timeout, so a half-sent frame cannot hold a slot.
        if (!await this.FillAsync(1, allowEndOfStream: true, token).ConfigureAwait(false))
        {
            return null;
        }

        using var frameDeadline = CancellationTokenSource.CreateLinkedTokenSource(token);
        if (this.frameTimeout is { } frameTimeout)
        {
            frameDeadline.CancelAfter(frameTimeout);
        }

        int length;
        try
        {
            await this.FillAsync(HeaderLength, allowEndOfStream: false, frameDeadline.Token).ConfigureAwait(false);
            length = BinaryPrimitives.ReadInt32BigEndian(this.readBuffer.AsSpan(this.readStart, HeaderLength));
            if (length <= 0 || length > this.maxMessageBytes)
            {
                throw this.Violation($"a message of {length} bytes exceeds the limit of {this.maxMessageBytes} bytes (limits.maxMessageBytes)");
            }

            await this.FillAsync(HeaderLength + length, allowEndOfStream: false, frameDeadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            throw this.Violation($"a message was not completed within {this.frameTimeout!.Value.TotalSeconds:0.#} s of its first byte (limits.messageTimeoutSeconds)");
        }

        // A fresh array per message: the formatter may keep views into it after this method returns.
        byte[] body = this.readBuffer.AsSpan(this.readStart + HeaderLength, length).ToArray();
        this.readStart += HeaderLength + length;

        JsonRpcMessage message;
        try
        {
            message = this.Formatter.Deserialize(new ReadOnlySequence<byte>(body));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw this.Violation("a message is not valid JSON-RPC");
        }

        if (message is JsonRpcRequest request)
        {
            if (request.RequestId.IsEmpty)
            {
                if (request.Method is null || !this.rules.Notifications.Contains(request.Method))
                {
                    throw this.Violation($"a notification (a request without an id) for '{Truncate(request.Method)}': only {this.rules.DescribeNotifications()} may be sent without an id");
                }
            }
            else if (request.Method is null || !this.rules.Requests.Contains(request.Method))
            {
                throw this.Violation($"unknown method '{Truncate(request.Method)}'");
            }

            if (this.requestSlots is not null && !request.RequestId.IsEmpty)
            {
                await this.requestSlots.WaitAsync(token).ConfigureAwait(false);
                if (!this.requestsInFlight.TryAdd(request.RequestId, 0))
                {
                    this.requestSlots.Release();
                    throw this.Violation("a request id was reused while the first request was still in flight");
                }
            }
        }
        else if (!this.rules.AcceptsResponses)
        {
            throw this.Violation("a response arrived, but this side never sends requests");
        }

        Volatile.Write(ref this.lastActivity, Environment.TickCount64);
        return message;
    }

    protected override async ValueTask WriteCoreAsync(JsonRpcMessage content, CancellationToken cancellationToken)
    {
        // MessageHandlerBase serializes writes, so the one buffer is safe to reuse.
        this.writeBuffer.ResetWrittenCount();
        this.writeBuffer.GetSpan(HeaderLength);
        this.writeBuffer.Advance(HeaderLength);
        this.Formatter.Serialize(this.writeBuffer, content);
        var frame = this.writeBuffer.WrittenMemory;
        BinaryPrimitives.WriteInt32BigEndian(MemoryMarshal.AsMemory(frame).Span, frame.Length - HeaderLength);
        await this.stream.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref this.lastActivity, Environment.TickCount64);

        if (content is IJsonRpcMessageWithId response and (JsonRpcResult or JsonRpcError)
            && this.requestSlots is not null
            && this.requestsInFlight.TryRemove(response.RequestId, out _))
        {
            this.requestSlots.Release();
        }

        if (content is JsonRpcError { Error.Code: JsonRpcErrorCode.InvalidParams or JsonRpcErrorCode.InvalidRequest or JsonRpcErrorCode.ParseError or JsonRpcErrorCode.MethodNotFound } error)
        {
            // Malformed arguments end the connection, as an unknown method does; the error itself was still sent.
            this.ViolationReason ??= $"malformed request ({error.Error?.Message})";
            this.violation.Cancel();
        }
    }

    protected override ValueTask FlushAsync(CancellationToken cancellationToken) => default;

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            this.violation.Dispose();
            this.requestSlots?.Dispose();
            this.stream.Dispose();
        }

        base.Dispose(disposing);
    }

    private static string Truncate(string? text) => text is null ? "(none)" : text.Length <= 64 ? text : text[..64] + "…";

    private ProtocolViolationException Violation(string reason)
    {
        this.ViolationReason ??= reason;
        return new ProtocolViolationException("Protocol violation: " + reason + ".");
    }

    /// <returns>False only at a clean end of stream before any byte of a new message.</returns>
    private async ValueTask<bool> FillAsync(int needed, bool allowEndOfStream, CancellationToken cancellationToken)
    {
        if (this.readEnd - this.readStart >= needed)
        {
            return true;
        }

        if (this.readBuffer.Length - this.readStart < needed)
        {
            // Compact, and grow only as far as one maximum-size frame.
            var target = this.readBuffer.Length >= needed ? this.readBuffer : new byte[Math.Max(needed, Math.Min(this.readBuffer.Length * 2, this.maxMessageBytes + HeaderLength))];
            Buffer.BlockCopy(this.readBuffer, this.readStart, target, 0, this.readEnd - this.readStart);
            this.readEnd -= this.readStart;
            this.readStart = 0;
            this.readBuffer = target;
        }

        while (this.readEnd - this.readStart < needed)
        {
            int read = await this.stream.ReadAsync(this.readBuffer.AsMemory(this.readEnd), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                if (allowEndOfStream && this.readEnd == this.readStart)
                {
                    return false;
                }

                throw new EndOfStreamException("The connection closed in the middle of a message.");
            }

            this.readEnd += read;
        }

        return true;
    }
}

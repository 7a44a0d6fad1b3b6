using System.Text.Json;
using PrivSep.Protocol;
using PrivSep.Protocol.Transport;

namespace PrivSep.Relay.Rpc;

/// <summary>
/// The relay's JSON-RPC 2.0 client on its authenticated connection to the broker: the broker's framing and message
/// shapes written by hand, so that the relay, started for every brokered command, never loads StreamJsonRpc and its
/// dependencies (their start-up was most of the relay's run time). Requests carry ids and may overlap (exec.signal is
/// sent while an exec.wait is in flight); one reader completes each with the answer of the same id. When the
/// connection ends or the broker breaks the protocol, every pending request fails, and so does every later one.
/// </summary>
internal sealed class BrokerRpcClient : IDisposable
{
    private readonly DescriptorSocketStream stream;
    private readonly RpcFrameReader reader;
    private readonly SemaphoreSlim writing = new(1, 1);
    private readonly Dictionary<long, PendingCall> pending = [];
    private long lastId;
    private IOException? failure;

    /// <param name="stream">Connected and past the handshake; the client owns it from now on.</param>
    public BrokerRpcClient(DescriptorSocketStream stream, int maxMessageBytes = ProtocolDefaults.ClientMaxMessageBytes)
    {
        this.stream = stream;
        this.reader = new RpcFrameReader(stream, maxMessageBytes);
        _ = Task.Run(this.ReadAnswersAsync);
    }

    /// <summary>The descriptors the broker sent with its answers (SCM_RIGHTS), by the sequence numbers the answers name.</summary>
    public ReceivedDescriptors Received => this.stream.Received;

    /// <summary>Sends <paramref name="method"/> with its one parameter and reads the result of its answer.</summary>
    /// <param name="parameter">The parameter's JSON (<see cref="ExecJson"/>).</param>
    /// <param name="readResult">Reads the answer's result; a <see cref="JsonException"/> means the broker broke the protocol.</param>
    /// <exception cref="RpcErrorException">The broker answered with an error.</exception>
    /// <exception cref="RpcProtocolException">The broker broke the protocol, on this call or an earlier one.</exception>
    /// <exception cref="IOException">The connection was lost.</exception>
    public async Task<TResult> CallAsync<TResult>(string method, byte[] parameter, Func<JsonElement, TResult> readResult, CancellationToken cancellationToken)
    {
        var call = new PendingCall<TResult>(method, readResult);
        long id = 0;
        lock (this.pending)
        {
            if (this.failure is null)
            {
                id = ++this.lastId;
                this.pending.Add(id, call);
            }
            else
            {
                call.Fail(this.failure);
            }
        }

        if (id != 0)
        {
            byte[] frame = RpcFrame.Request(id, method, parameter);
            await this.writing.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                // One write per frame, one frame at a time: frames of overlapping requests must not interleave.
                await this.stream.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException)
            {
                this.FailAll(ex);
            }
            finally
            {
                this.writing.Release();
            }
        }

        return await call.Answer.ConfigureAwait(false);
    }

    public void Dispose()
    {
        // Ends the reader too: its read fails, and it fails whatever is still pending.
        this.stream.Dispose();
    }

    private async Task ReadAnswersAsync()
    {
        try
        {
            while (await this.reader.ReadAsync(CancellationToken.None).ConfigureAwait(false) is { } message)
            {
                var response = RpcResponse.Parse(message);
                PendingCall? call;
                lock (this.pending)
                {
                    this.pending.Remove(response.Id, out call);
                }

                if (call is null)
                {
                    throw new RpcProtocolException($"an answer names request {response.Id}, which was never sent or was already answered");
                }

                call.Complete(response);
            }

            this.FailAll(new IOException("the broker closed the connection"));
        }
        catch (Exception ex)
        {
            // Nobody awaits this loop: whatever ended it is what the pending and later requests fail with.
            this.FailAll(ex);
        }
    }

    private void FailAll(Exception reason)
    {
        PendingCall[] calls;
        IOException failed;
        lock (this.pending)
        {
            failed = this.failure ??= reason as IOException ?? new IOException(reason.Message, reason);
            calls = [.. this.pending.Values];
            this.pending.Clear();
        }

        foreach (var call in calls)
        {
            call.Fail(failed);
        }
    }
}

using System.Text.Json;

namespace PrivSep.Relay.Rpc;

/// <summary>A request sent to the broker whose answer has not arrived yet; the connection's reader completes it.</summary>
internal abstract class PendingCall
{
    /// <summary>Completes the call with the broker's answer: its result, read as the caller asked, or its error.</summary>
    public abstract void Complete(RpcResponse response);

    /// <summary>Fails the call without an answer: the connection was lost or broke the protocol.</summary>
    public abstract void Fail(IOException reason);
}

/// <param name="readResult">Turns the answer's result into <typeparamref name="TResult"/>; a <see cref="JsonException"/> means the result is malformed.</param>
internal sealed class PendingCall<TResult>(string method, Func<JsonElement, TResult> readResult) : PendingCall
{
    // Continuations run off the connection's reader, which must go on reading (a signal's answer may be next).
    private readonly TaskCompletionSource<TResult> answer = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<TResult> Answer => this.answer.Task;

    public override void Complete(RpcResponse response)
    {
        if (response.Error is { } error)
        {
            this.answer.TrySetException(error);
            return;
        }

        TResult result;
        try
        {
            result = readResult(response.Result);
        }
        catch (JsonException ex)
        {
            this.answer.TrySetException(new RpcProtocolException($"the result of {method} is malformed ({ex.Message})", ex));
            return;
        }

        this.answer.TrySetResult(result);
    }

    public override void Fail(IOException reason) => this.answer.TrySetException(reason);
}

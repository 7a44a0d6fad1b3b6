using PrivSep.Protocol;
using PrivSep.Protocol.Handshake;
using StreamJsonRpc;

namespace PrivSep.Shim.Client;

/// <summary>
/// The process-wide link to the broker: connects on first use, reconnects after the broker restarts,
/// and turns broker errors into the exceptions the BCL throws for the same condition.
/// </summary>
internal sealed class BrokerClient
{
    public static readonly BrokerClient Shared = new();

    private readonly SemaphoreSlim connectGate = new(1, 1);
    private BrokerChannel? connection;

    /// <summary>Drops the current connection (new settings, or tests); the next call connects again.</summary>
    public void Reset() => Interlocked.Exchange(ref this.connection, null)?.Dispose();

    public T Invoke<T>(string? path, Func<BrokerChannel, CancellationToken, Task<T>> call) =>
        this.InvokeAsync(path, call, CancellationToken.None).GetAwaiter().GetResult();

    public async Task<T> InvokeAsync<T>(string? path, Func<BrokerChannel, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        var settings = ShimSettings.Current;
        var connection = await this.GetConnectionAsync(settings, cancellationToken).ConfigureAwait(false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.CallTimeout);
        try
        {
            return await call(connection, timeout.Token).ConfigureAwait(false);
        }
        catch (RemoteInvocationException ex)
        {
            throw BrokerErrorMapper.ToException(ex, path);
        }
        catch (ConnectionLostException ex)
        {
            this.Forget(connection);
            throw new IOException($"The connection to the PrivSep broker at '{settings.SocketPath}' was lost during the call; it will be re-established on the next call.", ex);
        }
        catch (ObjectDisposedException ex)
        {
            this.Forget(connection);
            throw new IOException($"The connection to the PrivSep broker at '{settings.SocketPath}' was closed; it will be re-established on the next call.", ex);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new IOException($"The PrivSep broker at '{settings.SocketPath}' did not answer within {settings.CallTimeout.TotalSeconds:0.#} s.", ex);
        }
    }

    public Task InvokeAsync(string? path, Func<BrokerChannel, CancellationToken, Task> call, CancellationToken cancellationToken) =>
        this.InvokeAsync<bool>(
            path,
            async (c, t) =>
            {
                await call(c, t).ConfigureAwait(false);
                return true;
            },
            cancellationToken);

    public void Invoke(string? path, Func<BrokerChannel, CancellationToken, Task> call) =>
        this.InvokeAsync(path, call, CancellationToken.None).GetAwaiter().GetResult();

    private void Forget(BrokerChannel dead)
    {
        if (Interlocked.CompareExchange(ref this.connection, null, dead) == dead)
        {
            dead.Dispose();
        }
    }

    private async Task<BrokerChannel> GetConnectionAsync(ShimSettings settings, CancellationToken cancellationToken)
    {
        var existing = Volatile.Read(ref this.connection);
        if (existing is { IsAlive: true })
        {
            return existing;
        }

        await this.connectGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            existing = this.connection;
            if (existing is { IsAlive: true })
            {
                return existing;
            }

            // A dead connection (the broker restarted) is replaced before the call is sent, so no call is ever sent twice.
            existing?.Dispose();
            var fresh = await BrokerChannel.ConnectAsync(settings.SocketPath, SharedSecret.Load(settings.SecretFilePath), settings.ConnectTimeout, cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref this.connection, fresh);
            return fresh;
        }
        finally
        {
            this.connectGate.Release();
        }
    }
}

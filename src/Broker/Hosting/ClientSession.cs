using System.Diagnostics;
using System.Net.Sockets;
using PrivSep.Broker.Audit;
using PrivSep.Broker.Service;
using PrivSep.Broker.Session;
using PrivSep.Protocol;
using PrivSep.Protocol.Contracts;
using PrivSep.Protocol.Handshake;
using PrivSep.Protocol.Transport;
using StreamJsonRpc;

namespace PrivSep.Broker.Hosting;

/// <summary>
/// One client connection from accept to close: the kernel's word on the peer, the uid check, the mutual
/// handshake (bounded in time, in the handshake pool of <see cref="ConnectionSlots"/>), then, in an authenticated
/// slot, JSON-RPC until either side ends it or it stays idle too long; its handles die with it.
/// </summary>
internal sealed class ClientSession(Socket socket, BrokerState state, ConnectionSlots slots)
{
    private static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(4);

    public async Task RunAsync(CancellationToken stopping)
    {
        var policy = state.Policy;
        var limits = policy.Limits;

        // A descriptor waits in the stream only until its own answer is written, and one request queues at most three
        // (exec.start's stdio ends): more waiting than that means something answers nothing, and the broker stops it.
        var stream = new DescriptorSocketStream(socket, acceptDescriptors: false, maxPendingDescriptors: 3 * limits.MaxConcurrentRequests);
        PeerCredentials peer;
        try
        {
            peer = PeerCredentials.Of(socket);
        }
        catch (Exception ex) when (ex is IOException or SocketException)
        {
            BrokerLog.Warning($"could not read the peer's credentials, closing: {ex.Message}");
            await stream.DisposeAsync().ConfigureAwait(false);
            return;
        }

        AuthenticatedConnection? admitted = null;
        PendingHandshake? pending = null;
        try
        {
            if (!policy.AllowedUids.Contains(peer.Uid))
            {
                this.AuditConnection(peer, "deny", "agents.users", "user-not-allowed");
                await HandshakeServer.RefuseAsync(stream, HandshakeStatus.UserNotAllowed, stopping).ConfigureAwait(false);
                await HandshakeServer.LingerAsync(stream, stopping).ConfigureAwait(false);
                return;
            }

            // The uid is settled above, outside the handshake pool: only allowed peers wait in it.
            pending = slots.BeginHandshake(limits.MaxConnections, stopping);
            if (pending is null)
            {
                this.AuditConnection(peer, "deny", "limits.maxConnections (handshakes)", "handshakes-full");
                await HandshakeServer.RefuseAsync(stream, HandshakeStatus.TooManyHandshakes, stopping).ConfigureAwait(false);
                await HandshakeServer.LingerAsync(stream, stopping).ConfigureAwait(false);
                return;
            }

            var outcome = await HandshakeServer.AcceptAsync(
                stream,
                state.Secret,
                TimeSpan.FromSeconds(limits.HandshakeTimeoutSeconds),
                pending.Token,
                admit: () =>
                {
                    pending?.Dispose();
                    admitted = slots.TryAdmit(limits.MaxConnections);
                    return admitted is not null;
                }).ConfigureAwait(false);
            if (outcome == HandshakeOutcome.TooManyConnections)
            {
                this.AuditConnection(peer, "deny", "limits.maxConnections", "too-many-connections");
                await HandshakeServer.LingerAsync(stream, stopping).ConfigureAwait(false);
                return;
            }

            if (outcome != HandshakeOutcome.Authenticated && pending.Evicted)
            {
                // Dropped for a newcomer: the cancelled read may surface as a closed connection rather than a cancellation.
                this.AuditConnection(peer, "deny", "limits.maxConnections (handshakes)", "handshake-evicted");
                return;
            }

            if (outcome != HandshakeOutcome.Authenticated)
            {
                this.AuditConnection(peer, "deny", "handshake", outcome switch
                {
                    HandshakeOutcome.BadProof => "bad-proof",
                    HandshakeOutcome.TimedOut => "timeout",
                    HandshakeOutcome.UnsupportedVersion => "unsupported-version",
                    _ => "closed-early",
                });
                return;
            }

            this.AuditConnection(peer, "allow", "agents.users + handshake", "ok");
            await this.ServeAsync(stream, peer, limits, admitted!, stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (pending is { Evicted: true } && admitted is null)
        {
            this.AuditConnection(peer, "deny", "limits.maxConnections (handshakes)", "handshake-evicted");
        }
        catch (AuditWriteException ex)
        {
            BrokerLog.Error($"audit log unavailable, refusing connection from {peer}: {ex.Message}");
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException)
        {
            // The peer went away or the broker is stopping; nothing to answer.
        }
        finally
        {
            pending?.Dispose();
            admitted?.Dispose();
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task ServeAsync(DescriptorSocketStream stream, PeerCredentials peer, Policy.PolicyLimits limits, AuthenticatedConnection slot, CancellationToken stopping)
    {
        using var handles = new HandleTable(limits.MaxOpenHandles, TimeSpan.FromSeconds(limits.HandleIdleTimeoutSeconds));
        var handler = RpcChannel.CreateServerHandler(stream, limits.MaxMessageBytes, limits.MaxConcurrentRequests, TimeSpan.FromSeconds(limits.MessageTimeoutSeconds));
        using var rpc = new CuratedJsonRpc(handler);
        var session = new SessionContext(peer, stream, handles, new RateLimiter(limits.MaxRequestsPerSecond));
        session.Terminate = rpc.Dispose;
        rpc.AddLocalRpcTarget<IBrokerService>(new BrokerService(state, session), new JsonRpcTargetOptions { DisposeOnDisconnect = false });
        using var stop = stopping.Register(() => _ = CloseWhenIdleAsync(rpc, handler));

        // Idle (the idle timeout): nothing in flight and no handle open. Sheddable (for a newcomer when every slot is taken):
        // nothing in flight and no command running; a listing does not protect a connection from shedding, or a client
        // could hold every slot with listings it reads now and then (the Shim's next page then fails with an IOException).
        // A connection already closing (the peer may see the close and reconnect at once) is the first to make room.
        TimeSpan? QuietUnless(bool holding) =>
            handler.IsClosing || rpc.Completion.IsCompleted ? TimeSpan.MaxValue : handler.RequestsInFlight == 0 && !holding ? handler.QuietFor : null;
        bool serving = slot.Serve(
            () => QuietUnless(handles.Count > 0),
            () => QuietUnless(handles.CountOf<Exec.BrokeredCommand>() > 0),
            rpc.Dispose);
        var idleTimeout = TimeSpan.FromSeconds(limits.ConnectionIdleTimeoutSeconds);
        var checkEvery = TimeSpan.FromMilliseconds(Math.Clamp(idleTimeout.TotalMilliseconds / 4, 250, 5000));
        using var idleWatch = new Timer(_ => CloseIfIdle(slot, idleTimeout), null, checkEvery, checkEvery);
        try
        {
            // Not serving: shed for a newcomer before it got here (it read nothing yet).
            if (serving)
            {
                rpc.StartListening();
                await rpc.Completion.ConfigureAwait(false);
            }
        }
        catch (Exception)
        {
            // Completion faults (or is cancelled) when the peer breaks the protocol; the reason is the handler's, below.
            // StartListening throws ObjectDisposedException when the connection was shed just before it.
        }

        // The peer can reconnect as soon as it sees the close: its slot is free before the audit line is written.
        slot.Dispose();

        if (handler.ViolationReason is { } reason)
        {
            BrokerLog.Warning($"closed connection from {peer}: {reason}");
            this.AuditConnection(peer, "deny", "protocol", "protocol-violation", reason);
        }
        else if (slot.End == ConnectionEnd.IdleTimeout)
        {
            BrokerLog.Info($"closed connection from {peer}: idle for {limits.ConnectionIdleTimeoutSeconds} s (limits.connectionIdleTimeoutSeconds)");
            this.AuditConnection(peer, "deny", "limits.connectionIdleTimeoutSeconds", "idle-timeout", quiet: true);
        }
        else if (slot.End == ConnectionEnd.Shed)
        {
            BrokerLog.Info($"closed idle connection from {peer} to admit a new one (limits.maxConnections reached)");
            this.AuditConnection(peer, "deny", "limits.maxConnections", "shed-for-newcomer", quiet: true);
        }
    }

    private static void CloseIfIdle(AuthenticatedConnection slot, TimeSpan idleTimeout)
    {
        if (slot.IdleFor > idleTimeout)
        {
            slot.Close(ConnectionEnd.IdleTimeout);
        }
    }

    /// <summary>
    /// On SIGTERM: requests already in flight get to finish and answer (bounded by <see cref="DrainLimit"/>, within the
    /// host's own drain timeout); then the connection closes.
    /// </summary>
    private static async Task CloseWhenIdleAsync(CuratedJsonRpc rpc, Protocol.Framing.BoundedMessageHandler handler)
    {
        long started = Stopwatch.GetTimestamp();
        while (handler.RequestsInFlight > 0 && Stopwatch.GetElapsedTime(started) < DrainLimit)
        {
            await Task.Delay(10, CancellationToken.None).ConfigureAwait(false);
        }

        rpc.Dispose();
    }

    /// <param name="quiet">The broker's own routine close (logged by the caller), not a refusal worth a warning.</param>
    private void AuditConnection(PeerCredentials peer, string decision, string rule, string outcome, string? detail = null, bool quiet = false)
    {
        var started = Stopwatch.GetTimestamp();
        state.Audit.Append(new AuditRecord
        {
            Pid = peer.Pid,
            Uid = peer.Uid,
            Gid = peer.Gid,
            Action = "connect",
            Args = detail is null ? [] : [new("detail", detail)],
            Decision = decision,
            Rule = rule,
            Outcome = outcome,
            DurationMicroseconds = (long)Stopwatch.GetElapsedTime(started).TotalMicroseconds,
        });
        if (decision == "deny" && !quiet)
        {
            BrokerLog.Warning($"refused connection from {peer}: {outcome} ({rule})");
        }
    }
}

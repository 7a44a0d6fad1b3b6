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
/// handshake (bounded in time), then JSON-RPC until either side ends it; its handles die with it.
/// </summary>
internal sealed class ClientSession(Socket socket, BrokerState state)
{
    private static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(4);

    public async Task RunAsync(CancellationToken stopping)
    {
        var stream = new DescriptorSocketStream(socket, acceptDescriptors: false);
        var policy = state.Policy;
        var limits = policy.Limits;
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

        try
        {
            if (!policy.AllowedUids.Contains(peer.Uid))
            {
                this.AuditConnection(peer, "deny", "agents.users", "user-not-allowed");
                await HandshakeServer.RefuseAsync(stream, HandshakeStatus.UserNotAllowed, stopping).ConfigureAwait(false);
                await HandshakeServer.LingerAsync(stream, stopping).ConfigureAwait(false);
                return;
            }

            var outcome = await HandshakeServer.AcceptAsync(stream, state.Secret, TimeSpan.FromSeconds(limits.HandshakeTimeoutSeconds), stopping).ConfigureAwait(false);
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
            await this.ServeAsync(stream, peer, limits, stopping).ConfigureAwait(false);
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
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task ServeAsync(DescriptorSocketStream stream, PeerCredentials peer, Policy.PolicyLimits limits, CancellationToken stopping)
    {
        using var handles = new HandleTable(limits.MaxOpenHandles, TimeSpan.FromSeconds(limits.HandleIdleTimeoutSeconds));
        var handler = RpcChannel.CreateServerHandler(stream, limits.MaxMessageBytes, limits.MaxConcurrentRequests);
        using var rpc = new CuratedJsonRpc(handler);
        var session = new SessionContext(peer, stream, handles, new RateLimiter(limits.MaxRequestsPerSecond));
        session.Terminate = rpc.Dispose;
        rpc.AddLocalRpcTarget<IBrokerService>(new BrokerService(state, session), new JsonRpcTargetOptions { DisposeOnDisconnect = false });
        using var stop = stopping.Register(() => _ = CloseWhenIdleAsync(rpc, handler));
        rpc.StartListening();
        try
        {
            await rpc.Completion.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Completion faults (or is cancelled) when the peer breaks the protocol; the reason is the handler's, below.
        }

        if (handler.ViolationReason is { } reason)
        {
            BrokerLog.Warning($"closed connection from {peer}: {reason}");
            this.AuditConnection(peer, "deny", "protocol", "protocol-violation", reason);
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

    private void AuditConnection(PeerCredentials peer, string decision, string rule, string outcome, string? detail = null)
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
        if (decision == "deny")
        {
            BrokerLog.Warning($"refused connection from {peer}: {outcome} ({rule})");
        }
    }
}

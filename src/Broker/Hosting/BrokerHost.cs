using System.Net.Sockets;
using System.Runtime.InteropServices;
using PrivSep.Broker.Audit;
using PrivSep.Broker.Policy;
using PrivSep.Broker.Service;
using PrivSep.Protocol.Handshake;

namespace PrivSep.Broker.Hosting;

/// <summary>
/// The broker process: loads policy, secret and audit log (refusing to start on any problem), listens, serves
/// connections up to limits.maxConnections, reloads the policy on SIGHUP and shuts down cleanly on SIGTERM/SIGINT.
/// </summary>
internal sealed class BrokerHost
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Connections accepted per second, whatever their fate: every attempt costs a handshake and an audit line, so a
    /// process that reconnects in a loop is slowed down here (the kernel's backlog absorbs the rest) instead of growing
    /// the audit log without bound.
    /// </summary>
    private const int MaxAcceptsPerSecond = 200;

    private readonly BrokerOptions options;
    private readonly SystemUserDirectory users = new();
    private readonly object sessionsGate = new();
    private readonly HashSet<Task> sessions = [];

    public BrokerHost(BrokerOptions options) => this.options = options;

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        if (Interop.LibC.GetEuid() != 0)
        {
            BrokerLog.Warning("not running as root: only objects this user can open are served (run as root, or with the capabilities the policy needs).");
        }

        if (!Exec.CommandLauncher.SetPrivAvailable)
        {
            BrokerLog.Warning($"{Exec.CommandLauncher.SetPrivPath} (util-linux) is missing: brokered commands are not killed when the broker dies and rules with \"user\" cannot run; install util-linux.");
        }

        var policy = this.LoadPolicy();
        var secret = SharedSecret.Load(this.options.SecretFilePath, requirePrivateMode: true);
        using var audit = AuditLog.Open(this.options.AuditLogPath, this.options.Audit);
        var state = new BrokerState(policy, audit, secret);
        uint agentGroup = this.AgentGroup(policy);

        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        foreach (int ignored in InheritedSignals.Reset(Interop.LibC.SIGHUP, Interop.LibC.SIGTERM, Interop.LibC.SIGINT))
        {
            BrokerLog.Warning($"signal {ignored} was ignored when the broker was started (nohup or the supervisor); it is answered again (SIGHUP reloads the policy, SIGTERM and SIGINT stop).");
        }

        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var onHup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            this.Reload(state);
        });

        // SIGUSR1 (raw number: PosixSignal has no name for it) starts a new audit file, after logrotate moved the old one or not.
        using var onUsr1 = PosixSignalRegistration.Create((PosixSignal)10, context =>
        {
            context.Cancel = true;
            audit.Rotate("SIGUSR1");
        });

        using var listener = SocketEndpoint.Listen(this.options.SocketPath, agentGroup, backlog: 64);
        using var commandCgroup = Exec.CommandCgroup.OpenOrReport(this.options.SocketPath);
        state.CommandCgroup = commandCgroup;
        BrokerLog.Info($"policy '{policy.SourceName}' loaded; agents: {string.Join(", ", policy.AgentUsers)}; audit log '{audit.LogPath}'");
        BrokerLog.Info($"listening on {this.options.SocketPath}");
        try
        {
            await this.AcceptLoopAsync(listener, state, stopping.Token).ConfigureAwait(false);
        }
        finally
        {
            listener.Dispose();
            await this.DrainAsync().ConfigureAwait(false);
            TryDelete(this.options.SocketPath);
            BrokerLog.Info("stopped");
        }

        return 0;

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            BrokerLog.Info($"{context.Signal} received: finishing in-flight requests and stopping");
            stopping.Cancel();
        }
    }

    private async Task AcceptLoopAsync(Socket listener, BrokerState state, CancellationToken stopping)
    {
        var acceptRate = new Session.RateLimiter(MaxAcceptsPerSecond);
        var slots = new ConnectionSlots();
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                await acceptRate.WaitAsync(stopping).ConfigureAwait(false);
                client = await listener.AcceptAsync(stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException ex)
            {
                BrokerLog.Warning($"accept failed: {ex.Message}");
                await Task.Delay(50, CancellationToken.None).ConfigureAwait(false);
                continue;
            }

            // ConnectionSlots bounds handshakes and authenticated connections separately; the session takes its handshake
            // slot once the peer's uid is allowed, so refusals never take one.
            lock (this.sessionsGate)
            {
                this.sessions.RemoveWhere(t => t.IsCompleted);
                this.sessions.Add(Task.Run(() => new ClientSession(client, state, slots).RunAsync(stopping), CancellationToken.None));
            }
        }
    }

    private async Task DrainAsync()
    {
        Task[] running;
        lock (this.sessionsGate)
        {
            running = [.. this.sessions];
        }

        var all = Task.WhenAll(running);
        if (await Task.WhenAny(all, Task.Delay(DrainTimeout)).ConfigureAwait(false) != all)
        {
            BrokerLog.Warning($"{running.Count(t => !t.IsCompleted)} connection(s) still busy after {DrainTimeout.TotalSeconds} s; exiting anyway");
        }
    }

    /// <summary>Loads the policy (at start and on SIGHUP) and warns about each write root that is missing here.</summary>
    private BrokerPolicy LoadPolicy()
    {
        var policy = BrokerPolicy.Load(this.options.PolicyPath, this.users);
        foreach (string missing in policy.MissingWriteRoots())
        {
            BrokerLog.Warning(missing);
        }

        return policy;
    }

    private void Reload(BrokerState state)
    {
        try
        {
            var replacement = this.LoadPolicy();
            state.ReplacePolicy(replacement);
            BrokerLog.Info($"SIGHUP: policy '{replacement.SourceName}' reloaded; agents: {string.Join(", ", replacement.AgentUsers)}");
        }
        catch (Exception ex) when (ex is PolicyException or IOException or UnauthorizedAccessException)
        {
            BrokerLog.Error($"SIGHUP: the new policy was refused, the previous one stays in force: {ex.Message}");
        }
    }

    /// <summary>The socket's group: the primary group of the first agent user, so the agent can reach the socket and nobody else can.</summary>
    private uint AgentGroup(BrokerPolicy policy)
    {
        foreach (var user in policy.AgentUsers)
        {
            if (this.users.TryGetPrimaryGid(user, out uint gid))
            {
                return gid;
            }
        }

        return 0;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            BrokerLog.Warning($"could not remove the socket '{path}': {ex.Message}");
        }
    }
}

using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using PrivSep.Broker.Policy;
using PrivSep.Broker.Service;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Broker.Actions;

/// <summary>
/// net.ping: resolves the host once, picks an address the policy allows, and pings exactly that address,
/// so a DNS answer that changes between check and use cannot redirect the echo.
/// </summary>
internal sealed class PingAction(PingRequest request, TimeSpan maxTimeout) : IBrokerAction<PingResponse>
{
    private const int MaxHostLength = 253;
    private const int MaxBufferBytes = 65500;
    private static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(5);

    private IPAddress? address;

    public string Name => "net.ping";

    public IReadOnlyList<KeyValuePair<string, string?>> AuditArguments =>
    [
        new("host", request.Host),
        new("timeoutMs", request.TimeoutMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("ttl", request.Ttl.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("bytes", (request.Buffer?.Length ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture)),
    ];

    public async ValueTask<IReadOnlyList<PolicyQuestion>> PrepareAsync(BrokerPolicy policy, CancellationToken cancellationToken)
    {
        this.Validate();
        if (IPAddress.TryParse(request.Host, out var literal))
        {
            this.address = literal;
            return [PolicyQuestion.Ping(null, literal)];
        }

        var candidates = await Resolve(request.Host, cancellationToken).ConfigureAwait(false);
        var questions = candidates.Select(a => PolicyQuestion.Ping(request.Host, a)).ToList();
        var chosen = questions.FirstOrDefault(q => q.DecideWith(policy).Allowed) ?? questions[0];
        this.address = chosen.Address;
        return [chosen];
    }

    public async ValueTask<PingResponse> PerformAsync(CancellationToken cancellationToken)
    {
        using var ping = new Ping();
        try
        {
            var reply = await ping.SendPingAsync(
                this.address!,
                TimeSpan.FromMilliseconds(request.TimeoutMilliseconds),
                request.Buffer,
                new PingOptions(request.Ttl, request.DontFragment),
                cancellationToken).ConfigureAwait(false);
            return new PingResponse(reply.Status, (reply.Address ?? this.address!).ToString(), reply.RoundtripTime, reply.Buffer, reply.Options?.Ttl, reply.Options?.DontFragment ?? false);
        }
        catch (PingException ex)
        {
            throw new BrokerActionException(BrokerErrorCode.IOFailure, $"The broker's ping to {this.address} failed: {ex.InnerException?.Message ?? ex.Message}");
        }
    }

    public void Dispose()
    {
    }

    private static async Task<IPAddress[]> Resolve(string host, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ResolveTimeout);
        try
        {
            var addresses = await Dns.GetHostAddressesAsync(host, timeout.Token).ConfigureAwait(false);
            return addresses.Length > 0 ? addresses : throw new BrokerActionException(BrokerErrorCode.IOFailure, $"The host '{host}' has no address.");
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new BrokerActionException(BrokerErrorCode.IOFailure, $"The broker could not resolve the host '{host}'.");
        }
    }

    private void Validate()
    {
        string host = request.Host ?? string.Empty;
        if (host.Length is 0 or > MaxHostLength || host.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw BrokerActionException.Invalid("The ping target must be a host name or address of 1 to 253 printable characters.");
        }

        if (request.TimeoutMilliseconds < 1 || request.TimeoutMilliseconds > maxTimeout.TotalMilliseconds)
        {
            throw BrokerActionException.Invalid($"The ping timeout must be between 1 ms and {maxTimeout.TotalMilliseconds:0} ms (limits.requestTimeoutSeconds).");
        }

        if (request.Ttl is < 1 or > 255)
        {
            throw BrokerActionException.Invalid("The ping TTL must be between 1 and 255.");
        }

        if (request.Buffer is null || request.Buffer.Length > MaxBufferBytes)
        {
            throw BrokerActionException.Invalid($"The ping buffer must be present and at most {MaxBufferBytes} bytes.");
        }
    }
}

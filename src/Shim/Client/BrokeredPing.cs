using System.Net.NetworkInformation;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Shim.Client;

/// <summary>ICMP echo performed by the broker. Failures surface as <see cref="PingException"/>, as <see cref="Ping"/> reports them.</summary>
public static class BrokeredPing
{
    public static PingResponse Send(string hostOrAddress, int timeoutMilliseconds, byte[] buffer, PingOptions? options) =>
        SendAsync(hostOrAddress, timeoutMilliseconds, buffer, options, CancellationToken.None).GetAwaiter().GetResult();

    public static async Task<PingResponse> SendAsync(string hostOrAddress, int timeoutMilliseconds, byte[] buffer, PingOptions? options, CancellationToken cancellationToken)
    {
        var request = new PingRequest(hostOrAddress, timeoutMilliseconds, buffer, options?.Ttl ?? 128, options?.DontFragment ?? false, PluginIdentity.Current());
        try
        {
            return await BrokerClient.Shared.InvokeAsync(null, (c, t) => c.Service.PingAsync(request, t), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException or ArgumentException)
        {
            throw new PingException($"An exception occurred during a Ping request to '{hostOrAddress}': {ex.Message}", ex);
        }
    }
}

using System.Net;
using System.Net.NetworkInformation;
using PrivSep.Shim.Routing;

namespace PrivSep.Shim.Replacements;

/// <summary>
/// Replacements for <see cref="Ping.Send(string)"/> and <see cref="Ping.SendPingAsync(string)"/> and all their overloads
/// (instance members: the <see cref="Ping"/> comes first). Ping as such is the original: an unprivileged agent has no ICMP
/// socket, so its refusal goes to the broker, which pings with the caller's timeout, TTL, don't-fragment flag and payload.
/// </summary>
public static partial class PingShims
{
    [Replaces("M:System.Net.NetworkInformation.Ping.Send(System.String)")]
    public static PingReply Send(Ping ping, string hostNameOrAddress)
    {
        InstanceGuard.ThrowIfNull(ping);
        return Run(() => ping.Send(hostNameOrAddress), () => SendThroughBroker(ping, hostNameOrAddress, DefaultTimeout, DefaultSendBuffer, null));
    }

    [Replaces("M:System.Net.NetworkInformation.Ping.Send(System.String,System.Int32)")]
    public static PingReply Send(Ping ping, string hostNameOrAddress, int timeout)
    {
        InstanceGuard.ThrowIfNull(ping);
        return Run(() => ping.Send(hostNameOrAddress, timeout), () => SendThroughBroker(ping, hostNameOrAddress, timeout, DefaultSendBuffer, null));
    }

    [Replaces("M:System.Net.NetworkInformation.Ping.Send(System.String,System.Int32,System.Byte[])")]
    public static PingReply Send(Ping ping, string hostNameOrAddress, int timeout, byte[] buffer)
    {
        InstanceGuard.ThrowIfNull(ping);
        return Run(() => ping.Send(hostNameOrAddress, timeout, buffer), () => SendThroughBroker(ping, hostNameOrAddress, timeout, buffer, null));
    }

    [Replaces("M:System.Net.NetworkInformation.Ping.Send(System.String,System.Int32,System.Byte[],System.Net.NetworkInformation.PingOptions)")]
    public static PingReply Send(Ping ping, string hostNameOrAddress, int timeout, byte[] buffer, PingOptions? options)
    {
        InstanceGuard.ThrowIfNull(ping);
        return Run(() => ping.Send(hostNameOrAddress, timeout, buffer, options), () => SendThroughBroker(ping, hostNameOrAddress, timeout, buffer, options));
    }

    [Replaces("M:System.Net.NetworkInformation.Ping.Send(System.String,System.TimeSpan,System.Byte[],System.Net.NetworkInformation.PingOptions)")]
    public static PingReply Send(Ping ping, string hostNameOrAddress, TimeSpan timeout, byte[]? buffer = null, PingOptions? options = null)
    {
        InstanceGuard.ThrowIfNull(ping);
        return Run(
            () => ping.Send(hostNameOrAddress, timeout, buffer, options),
            () => SendThroughBroker(ping, hostNameOrAddress, ToTimeoutMilliseconds(timeout), buffer ?? DefaultSendBuffer, options));
    }

    [Replaces("M:System.Net.NetworkInformation.Ping.Send(System.Net.IPAddress)")]
    public static PingReply Send(Ping ping, IPAddress address)
    {
        InstanceGuard.ThrowIfNull(ping);
        return Run(() => ping.Send(address), () => SendThroughBroker(ping, address, DefaultTimeout, DefaultSendBuffer, null));
    }

    [Replaces("M:System.Net.NetworkInformation.Ping.Send(System.Net.IPAddress,System.Int32)")]
    public static PingReply Send(Ping ping, IPAddress address, int timeout)
    {
        InstanceGuard.ThrowIfNull(ping);
        return Run(() => ping.Send(address, timeout), () => SendThroughBroker(ping, address, timeout, DefaultSendBuffer, null));
    }

    [Replaces("M:System.Net.NetworkInformation.Ping.Send(System.Net.IPAddress,System.Int32,System.Byte[])")]
    public static PingReply Send(Ping ping, IPAddress address, int timeout, byte[] buffer)
    {
        InstanceGuard.ThrowIfNull(ping);
        return Run(() => ping.Send(address, timeout, buffer), () => SendThroughBroker(ping, address, timeout, buffer, null));
    }

    [Replaces("M:System.Net.NetworkInformation.Ping.Send(System.Net.IPAddress,System.Int32,System.Byte[],System.Net.NetworkInformation.PingOptions)")]
    public static PingReply Send(Ping ping, IPAddress address, int timeout, byte[] buffer, PingOptions? options)
    {
        InstanceGuard.ThrowIfNull(ping);
        return Run(() => ping.Send(address, timeout, buffer, options), () => SendThroughBroker(ping, address, timeout, buffer, options));
    }

    [Replaces("M:System.Net.NetworkInformation.Ping.Send(System.Net.IPAddress,System.TimeSpan,System.Byte[],System.Net.NetworkInformation.PingOptions)")]
    public static PingReply Send(Ping ping, IPAddress address, TimeSpan timeout, byte[]? buffer = null, PingOptions? options = null)
    {
        InstanceGuard.ThrowIfNull(ping);
        return Run(
            () => ping.Send(address, timeout, buffer, options),
            () => SendThroughBroker(ping, address, ToTimeoutMilliseconds(timeout), buffer ?? DefaultSendBuffer, options));
    }

    [Replaces("M:System.Net.NetworkInformation.Ping.SendPingAsync(System.String)")]
    public static Task<PingReply> SendPingAsync(Ping ping, string hostNameOrAddress)
    {
        InstanceGuard.ThrowIfNull(ping);
        return RunAsync(() => ping.SendPingAsync(hostNameOrAddress), () => SendThroughBrokerAsync(ping, hostNameOrAddress, DefaultTimeout, DefaultSendBuffer, null, CancellationToken.None));
    }

    [Replaces("M:System.Net.NetworkInformation.Ping.SendPingAsync(System.String,System.Int32)")]
    public static Task<PingReply> SendPingAsync(Ping ping, string hostNameOrAddress, int timeout)
    {
        InstanceGuard.ThrowIfNull(ping);
        return RunAsync(() => ping.SendPingAsync(hostNameOrAddress, timeout), () => SendThroughBrokerAsync(ping, hostNameOrAddress, timeout, DefaultSendBuffer, null, CancellationToken.None));
    }

    [Replaces("M:System.Net.NetworkInformation.Ping.SendPingAsync(System.String,System.Int32,System.Byte[])")]
    public static Task<PingReply> SendPingAsync(Ping ping, string hostNameOrAddress, int timeout, byte[] buffer)
    {
        InstanceGuard.ThrowIfNull(ping);
        return RunAsync(() => ping.SendPingAsync(hostNameOrAddress, timeout, buffer), () => SendThroughBrokerAsync(ping, hostNameOrAddress, timeout, buffer, null, CancellationToken.None));
    }

    [Replaces("M:System.Net.NetworkInformation.Ping.SendPingAsync(System.String,System.Int32,System.Byte[],System.Net.NetworkInformation.PingOptions)")]
    public static Task<PingReply> SendPingAsync(Ping ping, string hostNameOrAddress, int timeout, byte[] buffer, PingOptions? options)
    {
        InstanceGuard.ThrowIfNull(ping);
        return RunAsync(() => ping.SendPingAsync(hostNameOrAddress, timeout, buffer, options), () => SendThroughBrokerAsync(ping, hostNameOrAddress, timeout, buffer, options, CancellationToken.None));
    }

    [Replaces("M:System.Net.NetworkInformation.Ping.SendPingAsync(System.String,System.TimeSpan,System.Byte[],System.Net.NetworkInformation.PingOptions,System.Threading.CancellationToken)")]
    public static Task<PingReply> SendPingAsync(Ping ping, string hostNameOrAddress, TimeSpan timeout, byte[]? buffer = null, PingOptions? options = null, CancellationToken cancellationToken = default)
    {
        InstanceGuard.ThrowIfNull(ping);
        return RunAsync(
            () => ping.SendPingAsync(hostNameOrAddress, timeout, buffer, options, cancellationToken),
            () => SendThroughBrokerAsync(ping, hostNameOrAddress, ToTimeoutMilliseconds(timeout), buffer ?? DefaultSendBuffer, options, cancellationToken));
    }

    [Replaces("M:System.Net.NetworkInformation.Ping.SendPingAsync(System.Net.IPAddress)")]
    public static Task<PingReply> SendPingAsync(Ping ping, IPAddress address)
    {
        InstanceGuard.ThrowIfNull(ping);
        return RunAsync(() => ping.SendPingAsync(address), () => SendThroughBrokerAsync(ping, address, DefaultTimeout, DefaultSendBuffer, null, CancellationToken.None));
    }

    [Replaces("M:System.Net.NetworkInformation.Ping.SendPingAsync(System.Net.IPAddress,System.Int32)")]
    public static Task<PingReply> SendPingAsync(Ping ping, IPAddress address, int timeout)
    {
        InstanceGuard.ThrowIfNull(ping);
        return RunAsync(() => ping.SendPingAsync(address, timeout), () => SendThroughBrokerAsync(ping, address, timeout, DefaultSendBuffer, null, CancellationToken.None));
    }

    [Replaces("M:System.Net.NetworkInformation.Ping.SendPingAsync(System.Net.IPAddress,System.Int32,System.Byte[])")]
    public static Task<PingReply> SendPingAsync(Ping ping, IPAddress address, int timeout, byte[] buffer)
    {
        InstanceGuard.ThrowIfNull(ping);
        return RunAsync(() => ping.SendPingAsync(address, timeout, buffer), () => SendThroughBrokerAsync(ping, address, timeout, buffer, null, CancellationToken.None));
    }

    [Replaces("M:System.Net.NetworkInformation.Ping.SendPingAsync(System.Net.IPAddress,System.Int32,System.Byte[],System.Net.NetworkInformation.PingOptions)")]
    public static Task<PingReply> SendPingAsync(Ping ping, IPAddress address, int timeout, byte[] buffer, PingOptions? options)
    {
        InstanceGuard.ThrowIfNull(ping);
        return RunAsync(() => ping.SendPingAsync(address, timeout, buffer, options), () => SendThroughBrokerAsync(ping, address, timeout, buffer, options, CancellationToken.None));
    }

    [Replaces("M:System.Net.NetworkInformation.Ping.SendPingAsync(System.Net.IPAddress,System.TimeSpan,System.Byte[],System.Net.NetworkInformation.PingOptions,System.Threading.CancellationToken)")]
    public static Task<PingReply> SendPingAsync(Ping ping, IPAddress address, TimeSpan timeout, byte[]? buffer = null, PingOptions? options = null, CancellationToken cancellationToken = default)
    {
        InstanceGuard.ThrowIfNull(ping);
        return RunAsync(
            () => ping.SendPingAsync(address, timeout, buffer, options, cancellationToken),
            () => SendThroughBrokerAsync(ping, address, ToTimeoutMilliseconds(timeout), buffer ?? DefaultSendBuffer, options, cancellationToken));
    }

    private static PingReply Run(Func<PingReply> original, Func<PingReply> brokered) =>
        FastPath.Run(FallbackRule.ForPing, original, brokered);

    private static Task<PingReply> RunAsync(Func<Task<PingReply>> original, Func<Task<PingReply>> brokered) =>
        FastPath.RunAsync(FallbackRule.ForPing, original, brokered);
}

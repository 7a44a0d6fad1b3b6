using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using PrivSep.Shim.Routing;

namespace PrivSep.Shim.Replacements;

/// <summary>
/// The brokered half of <see cref="PingShims"/>: Ping's own argument checks (in its order, so the same exception wins),
/// its defaults, and the reply built from the broker's answer. A timeout is an answer with <see cref="IPStatus.TimedOut"/>,
/// never an exception, as with Ping.
/// </summary>
public static partial class PingShims
{
    // Ping's defaults: 5 s, and 32 bytes "abcdefghijklmnopqrstuvwabcdefghi" (the payload of Windows' ping.exe).
    private const int DefaultTimeout = 5000;
    private const int MaxBufferSize = 65500;

    private static byte[] DefaultSendBuffer
    {
        get
        {
            var buffer = new byte[32];
            for (int i = 0; i < buffer.Length; i++)
            {
                buffer[i] = (byte)('a' + (i % 23));
            }

            return buffer;
        }
    }

    private static PingReply SendThroughBroker(Ping ping, string hostNameOrAddress, int timeout, byte[] buffer, PingOptions? options)
    {
        CheckHostArguments(hostNameOrAddress, timeout, buffer);
        CheckNotDisposed(ping);
        return PingReplyFactory.Create(BrokerActions.Current.Ping(hostNameOrAddress, timeout, buffer, options));
    }

    private static PingReply SendThroughBroker(Ping ping, IPAddress address, int timeout, byte[] buffer, PingOptions? options)
    {
        CheckAddressArguments(address, timeout, buffer);
        CheckNotDisposed(ping);
        return PingReplyFactory.Create(BrokerActions.Current.Ping(address.ToString(), timeout, buffer, options));
    }

    private static Task<PingReply> SendThroughBrokerAsync(Ping ping, string hostNameOrAddress, int timeout, byte[] buffer, PingOptions? options, CancellationToken cancellationToken)
    {
        CheckHostArguments(hostNameOrAddress, timeout, buffer);
        CheckNotDisposed(ping);
        return ReplyAsync(hostNameOrAddress, timeout, buffer, options, cancellationToken);
    }

    private static Task<PingReply> SendThroughBrokerAsync(Ping ping, IPAddress address, int timeout, byte[] buffer, PingOptions? options, CancellationToken cancellationToken)
    {
        CheckAddressArguments(address, timeout, buffer);
        CheckNotDisposed(ping);
        return ReplyAsync(address.ToString(), timeout, buffer, options, cancellationToken);
    }

    private static async Task<PingReply> ReplyAsync(string hostOrAddress, int timeout, byte[] buffer, PingOptions? options, CancellationToken cancellationToken) =>
        PingReplyFactory.Create(await BrokerActions.Current.PingAsync(hostOrAddress, timeout, buffer, options, cancellationToken).ConfigureAwait(false));

    private static void CheckHostArguments(string hostNameOrAddress, int timeout, byte[] buffer)
    {
        // Ping reports an empty host as a null one.
        if (string.IsNullOrEmpty(hostNameOrAddress))
        {
            throw new ArgumentNullException(nameof(hostNameOrAddress));
        }

        // An address literal takes Ping's address path, with its checks.
        if (IPAddress.TryParse(hostNameOrAddress, out var address))
        {
            CheckAddressArguments(address, timeout, buffer);
        }
        else
        {
            CheckArguments(timeout, buffer);
        }
    }

    private static void CheckAddressArguments(IPAddress address, int timeout, byte[] buffer)
    {
        CheckArguments(timeout, buffer);
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            throw new NotSupportedException($"The address family {address.AddressFamily} is not supported.");
        }

        if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
        {
            throw new ArgumentException("IPv4 address 0.0.0.0 and IPv6 address ::0 are unspecified addresses that cannot be used as a target address.", nameof(address));
        }
    }

    private static void CheckArguments(int timeout, byte[] buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        if (buffer.Length > MaxBufferSize)
        {
            throw new ArgumentException($"The buffer length must not exceed {MaxBufferSize} bytes.", nameof(buffer));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(timeout);
    }

    /// <summary>As Ping's own conversion: below -1 ms or above int.MaxValue ms is out of range (and -1 then fails as negative).</summary>
    private static int ToTimeoutMilliseconds(TimeSpan timeout)
    {
        long milliseconds = (long)timeout.TotalMilliseconds;
        ArgumentOutOfRangeException.ThrowIfLessThan(milliseconds, -1, nameof(timeout));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(milliseconds, int.MaxValue, nameof(timeout));
        return (int)milliseconds;
    }

    private static void CheckNotDisposed(Ping ping) => ObjectDisposedException.ThrowIf(DisposeRequested(ping), ping);

    // Ping keeps its disposed state private (System.Net.Ping, .NET 10: bool _disposeRequested); the Ping test checks the binding.
    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_disposeRequested")]
    private static extern ref bool DisposeRequested(Ping ping);
}

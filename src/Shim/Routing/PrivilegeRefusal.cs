using System.ComponentModel;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using PrivSep.Shim.Interop;

namespace PrivSep.Shim.Routing;

/// <summary>
/// Tells a refusal for lack of privilege, which the broker may overturn, from every other failure, which it must not
/// (a missing file stays a missing file). Pure functions of the exception, so they can be tested on their own.
/// </summary>
internal static class PrivilegeRefusal
{
    /// <summary>
    /// On Linux the BCL reports EACCES and EPERM from a path-taking file call as <see cref="UnauthorizedAccessException"/>
    /// and reports nothing else that way except asking a directory to act as a file, which <see cref="FallbackRule"/> rules out by path.
    /// The errno itself is gone by then (the runtime makes further system calls before throwing), so the type is the signal.
    /// </summary>
    public static bool IsFileSystemRefusal(Exception exception) => exception is UnauthorizedAccessException;

    /// <summary>
    /// Unprivileged here, <see cref="Ping"/> has neither a raw ICMP socket (CAP_NET_RAW) nor an unprivileged ICMP socket
    /// (<c>net.ipv4.ping_group_range</c> is <c>1 0</c>) and falls back to the <c>ping</c> utility, which is absent: it throws a bare
    /// <see cref="PlatformNotSupportedException"/> (Ping never wraps that one). Where a utility exists but may not be run, or the
    /// socket is refused, the cause arrives wrapped in a <see cref="PingException"/>. Name resolution failures, timeouts and
    /// unreachable hosts are answers, not refusals.
    /// </summary>
    public static bool IsPingRefusal(Exception exception) => exception switch
    {
        PlatformNotSupportedException or UnauthorizedAccessException => true,
        PingException { InnerException: { } cause } => IsPingRefusalCause(cause),
        _ => false,
    };

    private static bool IsPingRefusalCause(Exception cause) => cause switch
    {
        PlatformNotSupportedException or UnauthorizedAccessException => true,
        SocketException socket => socket.SocketErrorCode == SocketError.AccessDenied,
        Win32Exception launch => launch.NativeErrorCode is LibC.EACCES or LibC.EPERM,
        _ => false,
    };
}

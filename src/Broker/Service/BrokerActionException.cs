using PrivSep.Protocol.Contracts;

namespace PrivSep.Broker.Service;

/// <summary>
/// A request failed for a reason the client may know: the only exception whose message reaches the client.
/// Anything else becomes a generic "internal broker error" so no broker internals leak.
/// </summary>
internal sealed class BrokerActionException(BrokerErrorCode code, string message, string? path = null, string? rule = null)
    : Exception(message)
{
    public BrokerErrorCode Code { get; } = code;

    public string? Path { get; } = path;

    public string? Rule { get; } = rule;

    /// <summary>The broker refused (its policy, or a rule that holds whatever the policy says), as opposed to the action failing.</summary>
    public bool IsRefusal => Code is BrokerErrorCode.PolicyDenied or BrokerErrorCode.NotSupportedObject or BrokerErrorCode.AuditUnavailable;

    /// <summary>The short word the audit log records as the outcome.</summary>
    public string Outcome => Code switch
    {
        BrokerErrorCode.PolicyDenied => "denied",
        BrokerErrorCode.NotFound => "not-found",
        BrokerErrorCode.DirectoryNotFound => "directory-not-found",
        BrokerErrorCode.AlreadyExists => "already-exists",
        BrokerErrorCode.IsDirectory => "is-a-directory",
        BrokerErrorCode.NotDirectory => "not-a-directory",
        BrokerErrorCode.DirectoryNotEmpty => "directory-not-empty",
        BrokerErrorCode.InvalidArgument => "invalid-argument",
        BrokerErrorCode.PathTooLong => "path-too-long",
        BrokerErrorCode.ConnectionClosed => "connection-closed",
        BrokerErrorCode.QuotaExceeded => "quota-exceeded",
        BrokerErrorCode.RateLimited => "rate-limited",
        BrokerErrorCode.NotSupportedObject => "unsupported-object",
        BrokerErrorCode.AuditUnavailable => "audit-unavailable",
        BrokerErrorCode.Timeout => "timeout",
        BrokerErrorCode.IOFailure => "io-error",
        _ => "internal-error",
    };

    public static BrokerActionException Invalid(string message) => new(BrokerErrorCode.InvalidArgument, message);
}

namespace PrivSep.Protocol.Contracts;

/// <summary>
/// JSON-RPC error codes the broker sends. The Shim maps each to the exception the BCL throws for the same
/// condition, so plugin code keeps working unchanged. The values are positive: JSON-RPC reserves -32768..-32000, and
/// StreamJsonRpc gives several of those codes meanings of its own (-32003 is its response-serialization failure).
/// </summary>
public enum BrokerErrorCode
{
    PolicyDenied = 1001,
    NotFound = 1002,
    DirectoryNotFound = 1003,
    AlreadyExists = 1004,
    IsDirectory = 1005,
    NotDirectory = 1006,
    DirectoryNotEmpty = 1007,
    InvalidArgument = 1008,
    QuotaExceeded = 1009,
    RateLimited = 1010,
    IOFailure = 1011,
    NotSupportedObject = 1012,
    AuditUnavailable = 1013,
    Timeout = 1014,
    Internal = 1015,

    /// <summary>A name or path longer than the kernel takes (ENAMETOOLONG); the BCL's PathTooLongException.</summary>
    PathTooLong = 1016,

    /// <summary>The connection closed before the request finished; only the audit log ever sees this.</summary>
    ConnectionClosed = 1017,
}

/// <summary>The <c>error.data</c> of a broker error: what the client needs to build the BCL exception.</summary>
/// <param name="Path">The path the error is about, if any.</param>
/// <param name="Rule">The policy rule that decided, for denials.</param>
public sealed record BrokerErrorData(string? Path, string? Rule);

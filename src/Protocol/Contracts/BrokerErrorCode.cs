namespace PrivSep.Protocol.Contracts;

/// <summary>
/// JSON-RPC error codes the broker sends. The Shim maps each to the exception the BCL throws for the same
/// condition, so plugin code keeps working unchanged. Values sit in JSON-RPC's server-defined range.
/// </summary>
public enum BrokerErrorCode
{
    PolicyDenied = -32001,
    NotFound = -32002,
    DirectoryNotFound = -32003,
    AlreadyExists = -32004,
    IsDirectory = -32005,
    NotDirectory = -32006,
    DirectoryNotEmpty = -32007,
    InvalidArgument = -32008,
    QuotaExceeded = -32009,
    RateLimited = -32010,
    IOFailure = -32011,
    NotSupportedObject = -32012,
    AuditUnavailable = -32013,
    Timeout = -32014,
    Internal = -32015,
}

/// <summary>The <c>error.data</c> of a broker error: what the client needs to build the BCL exception.</summary>
/// <param name="Path">The path the error is about, if any.</param>
/// <param name="Rule">The policy rule that decided, for denials.</param>
public sealed record BrokerErrorData(string? Path, string? Rule);

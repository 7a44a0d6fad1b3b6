using System.Text.Json;
using PrivSep.Protocol.Contracts;
using StreamJsonRpc;

namespace PrivSep.Shim.Client;

/// <summary>Broker error → the exception the BCL throws for the same condition, so plugins' catch blocks keep working.</summary>
internal static class BrokerErrorMapper
{
    public static Exception ToException(RemoteInvocationException ex, string? requestedPath)
    {
        var data = ReadData(ex);
        string path = data?.Path ?? requestedPath ?? "(unknown)";
        string message = ex.Message;
        return (BrokerErrorCode)ex.ErrorCode switch
        {
            BrokerErrorCode.PolicyDenied or BrokerErrorCode.AuditUnavailable or BrokerErrorCode.NotSupportedObject or BrokerErrorCode.IsDirectory =>
                new UnauthorizedAccessException(message, ex),
            BrokerErrorCode.NotFound => new FileNotFoundException(message, path, ex),
            BrokerErrorCode.DirectoryNotFound or BrokerErrorCode.NotDirectory => new DirectoryNotFoundException(message, ex),
            BrokerErrorCode.InvalidArgument => new ArgumentException(message, ex),
            BrokerErrorCode.PathTooLong => new PathTooLongException(message, ex),
            BrokerErrorCode.AlreadyExists => new IOException(message, ex) { HResult = 17 /* EEXIST, as the BCL reports it */ },
            _ => new IOException(message, ex),
        };
    }

    public static BrokerErrorCode? CodeOf(Exception ex) =>
        ex is RemoteInvocationException remote ? (BrokerErrorCode)remote.ErrorCode :
        ex.InnerException is RemoteInvocationException inner ? (BrokerErrorCode)inner.ErrorCode : null;

    private static BrokerErrorData? ReadData(RemoteInvocationException ex)
    {
        try
        {
            return ex.ErrorData switch
            {
                JsonElement element when element.ValueKind == JsonValueKind.Object => element.Deserialize<BrokerErrorData>(new JsonSerializerOptions(JsonSerializerDefaults.Web)),
                _ => null,
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

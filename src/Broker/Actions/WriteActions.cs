using PrivSep.Broker.FileSystem;
using PrivSep.Broker.Service;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Broker.Actions;

/// <summary>What every action that changes the file system needs before it touches anything.</summary>
internal static class WriteActions
{
    /// <summary>
    /// The policy already refused paths outside every write root; reaching here without a location would mean
    /// a write rule without a root, so fail closed rather than write relative to nothing.
    /// </summary>
    public static WriteLocation RequireLocation(WriteLocation? location, string path) =>
        location ?? throw new BrokerActionException(BrokerErrorCode.PolicyDenied, $"Access to the path '{path}' is denied: no files.write root contains it.", path, "files.write");
}

using PrivSep.Broker.Interop;
using PrivSep.Broker.Service;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Broker.FileSystem;

/// <summary>
/// errno → the broker error the client turns into the exception the BCL throws for the same errno. Every errno maps
/// (the last arm, IOException, is the BCL's own default), so the kernel's answer is never an "internal error".
/// </summary>
internal static class ErrnoMapping
{
    /// <summary>The path a request named (its "path", or a move's "source"), for an errno no action mapped itself.</summary>
    public static string RequestedPath(IReadOnlyList<KeyValuePair<string, string?>> auditArguments) =>
        auditArguments.FirstOrDefault(a => a.Key is "path" or "source").Value ?? "(no path)";

    public static BrokerActionException ToActionException(ErrnoException ex, string path) => ex.Errno switch
    {
        LibC.ENOENT => new(BrokerErrorCode.NotFound, $"Could not find file '{path}'.", path),
        LibC.ENOTDIR => new(BrokerErrorCode.DirectoryNotFound, $"Could not find a part of the path '{path}'.", path),
        LibC.EEXIST => new(BrokerErrorCode.AlreadyExists, $"The file '{path}' already exists.", path),
        LibC.EISDIR => new(BrokerErrorCode.IsDirectory, $"Access to the path '{path}' is denied: it is a directory.", path),
        LibC.ENOTEMPTY => new(BrokerErrorCode.DirectoryNotEmpty, $"Directory not empty: '{path}'.", path),
        LibC.ELOOP => new(BrokerErrorCode.PolicyDenied, $"Access to the path '{path}' is denied by the PrivSep broker: a symbolic link is not allowed there (writes never follow links).", path, "write roots: no symbolic links"),
        LibC.EXDEV => new(BrokerErrorCode.PolicyDenied, $"Access to the path '{path}' is denied by the PrivSep broker: it resolves outside its write root.", path, "write roots: RESOLVE_BENEATH"),
        LibC.ENAMETOOLONG => new(BrokerErrorCode.PathTooLong, $"The path '{path}' or one of its names is longer than the system allows.", path),
        LibC.EACCES or LibC.EPERM => new(BrokerErrorCode.PolicyDenied, $"Access to the path '{path}' is denied by the kernel, whatever the broker policy allows (e.g. an immutable file, or a /proc file of another process).", path, "kernel"),
        _ => new(BrokerErrorCode.IOFailure, $"I/O error on '{path}': {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(ex.Errno)}.", path),
    };
}

using PrivSep.Broker.Interop;
using PrivSep.Broker.Service;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Broker.FileSystem;

/// <summary>errno → the broker error the client turns into the matching BCL exception.</summary>
internal static class ErrnoMapping
{
    public static BrokerActionException ToActionException(ErrnoException ex, string path) => ex.Errno switch
    {
        LibC.ENOENT => new(BrokerErrorCode.NotFound, $"Could not find file '{path}'.", path),
        LibC.ENOTDIR => new(BrokerErrorCode.DirectoryNotFound, $"Could not find a part of the path '{path}'.", path),
        LibC.EEXIST => new(BrokerErrorCode.AlreadyExists, $"The file '{path}' already exists.", path),
        LibC.EISDIR => new(BrokerErrorCode.IsDirectory, $"Access to the path '{path}' is denied: it is a directory.", path),
        LibC.ENOTEMPTY => new(BrokerErrorCode.DirectoryNotEmpty, $"Directory not empty: '{path}'.", path),
        LibC.ELOOP => new(BrokerErrorCode.PolicyDenied, $"Access to the path '{path}' is denied by the PrivSep broker: a symbolic link is not allowed there (writes never follow links).", path, "write roots: no symbolic links"),
        LibC.EXDEV => new(BrokerErrorCode.PolicyDenied, $"Access to the path '{path}' is denied by the PrivSep broker: it resolves outside its write root.", path, "write roots: RESOLVE_BENEATH"),
        LibC.ENAMETOOLONG => new(BrokerErrorCode.InvalidArgument, $"The path '{path}' is too long.", path),
        LibC.EACCES => new(BrokerErrorCode.PolicyDenied, $"Access to the path '{path}' is denied (the broker itself lacks the permission).", path, "kernel"),
        _ => new(BrokerErrorCode.IOFailure, $"I/O error on '{path}': {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(ex.Errno)}.", path),
    };
}

using PrivSep.Broker.FileSystem;
using PrivSep.Broker.Interop;
using PrivSep.Broker.Service;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Broker.Actions;

/// <summary>Checks on what was actually opened that hold whatever the policy says.</summary>
internal static class ObjectChecks
{
    public const string SelfProtectionRule = "broker self-protection (/proc of the broker)";

    /// <summary>Only regular files are served: a FIFO could block the broker, a device or socket is not a file to read.</summary>
    public static void RequireServableFile(OpenedObject opened, string requestedPath)
    {
        if (opened.IsDirectory)
        {
            throw new BrokerActionException(BrokerErrorCode.IsDirectory, $"Access to the path '{requestedPath}' is denied: it is a directory.", requestedPath);
        }

        if (!opened.IsRegularFile)
        {
            throw new BrokerActionException(BrokerErrorCode.NotSupportedObject, $"Access to the path '{requestedPath}' is denied by the PrivSep broker: '{opened.ResolvedPath}' is a FIFO, socket or device, which the broker never opens.", opened.ResolvedPath, "object type: regular files only");
        }
    }

    public static void RequireNotBrokerProc(string resolvedPath, string requestedPath)
    {
        if (BrokerSelfGuard.IsBrokerOwnProcEntry(resolvedPath))
        {
            throw new BrokerActionException(BrokerErrorCode.PolicyDenied, $"Access to the path '{requestedPath}' is denied: it is the broker's own /proc entry.", resolvedPath, SelfProtectionRule);
        }
    }

    /// <summary>A second name for a file outside the write root would let a write reach it; such files are never written.</summary>
    public static void RequireSingleLink(in LibC.Statx status, string path)
    {
        if (status.FileType == LibC.S_IFREG && status.LinkCount > 1)
        {
            throw new BrokerActionException(BrokerErrorCode.PolicyDenied, $"Access to the path '{path}' is denied by the PrivSep broker: the file has {status.LinkCount} hard links, and hard-linked files are never written.", path, "write: hard links refused");
        }
    }
}

using System.Security.Cryptography;
using PrivSep.Broker.FileSystem;
using PrivSep.Broker.Interop;
using PrivSep.Broker.Policy;
using PrivSep.Broker.Service;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Broker.Exec;

/// <summary>
/// Checks the file an exec rule names, on what was actually opened, before the broker runs it as root:
/// a regular, executable file owned by root and writable by nobody else, in directories owned by root and writable
/// by nobody else, all the way up, and with the rule's SHA-256 when it gives one.
/// <para>
/// Why ownership matters as much as the hash: the broker runs the file by its resolved path after checking it. If
/// anyone but root could write the file or any directory above it, they could swap it between the check and the
/// exec. With the whole chain root-owned and not group/world-writable, only root can, and root is trusted. The
/// resolved path (read back from the opened descriptor, every symbolic link followed) is what runs, so a link
/// swapped in a directory that is not checked cannot redirect the exec.
/// </para>
/// </summary>
internal static class ExecutableCheck
{
    private const int GroupOrWorldWritable = 0x12; // S_IWGRP | S_IWOTH
    private const int AnyExecute = 0x49; // S_IXUSR | S_IXGRP | S_IXOTH

    /// <summary>Returns the resolved path to run, or throws a refusal naming the rule and the fix.</summary>
    public static string Verify(ExecRule rule)
    {
        using var opened = Open(rule.Path, directory: false, rule);
        if (!opened.IsRegularFile)
        {
            throw Refused(rule, $"'{opened.ResolvedPath}' is not a regular file");
        }

        if ((opened.Status.Mode & AnyExecute) == 0)
        {
            throw Refused(rule, $"'{opened.ResolvedPath}' is not executable");
        }

        RequireRootOnly(opened, rule);
        for (var directory = Path.GetDirectoryName(opened.ResolvedPath); directory is not null; directory = Path.GetDirectoryName(directory))
        {
            using var parent = Open(directory, directory: true, rule);
            RequireRootOnly(parent, rule);
        }

        if (rule.Sha256 is { } expected)
        {
            var actual = HashOf(opened);
            if (!string.Equals(actual, expected, StringComparison.Ordinal))
            {
                throw Refused(rule, $"the SHA-256 of '{opened.ResolvedPath}' is {actual}, not the {expected} the rule gives (the file changed: check it, then update the rule's sha256)");
            }
        }

        return opened.ResolvedPath;
    }

    private static OpenedObject Open(string path, bool directory, ExecRule rule)
    {
        try
        {
            return ObjectOpener.OpenFollowing(path, directory);
        }
        catch (ErrnoException ex) when (ex.Errno == LibC.ENOENT)
        {
            throw new BrokerActionException(BrokerErrorCode.NotFound, $"The command '{rule.Path}' allowed by {rule.RuleName} does not exist on this host.", rule.Path, rule.RuleName);
        }
        catch (ErrnoException ex)
        {
            throw Refused(rule, $"'{path}' cannot be opened ({System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(ex.Errno)})");
        }
    }

    private static void RequireRootOnly(OpenedObject opened, ExecRule rule)
    {
        if (opened.Status.Uid != 0)
        {
            throw Refused(rule, $"'{opened.ResolvedPath}' is owned by uid {opened.Status.Uid}, not root, so someone other than root could replace what the broker runs");
        }

        if ((opened.Status.Mode & GroupOrWorldWritable) != 0)
        {
            throw Refused(rule, $"'{opened.ResolvedPath}' is writable by its group or by others (mode {Convert.ToString(opened.Status.Mode & 0xFFF, 8)}), so someone other than root could replace what the broker runs");
        }
    }

    private static string HashOf(OpenedObject opened)
    {
        using var readable = ObjectOpener.Reopen(opened, LibC.O_RDONLY | LibC.O_CLOEXEC);
        using var stream = new FileStream(readable, FileAccess.Read, bufferSize: 0);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static BrokerActionException Refused(ExecRule rule, string reason) =>
        new(BrokerErrorCode.PolicyDenied, $"The broker refuses to run '{rule.Path}' ({rule.RuleName}): {reason}.", rule.Path, rule.RuleName);
}

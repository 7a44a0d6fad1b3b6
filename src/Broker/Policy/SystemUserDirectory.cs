using PrivSep.Broker.Interop;

namespace PrivSep.Broker.Policy;

/// <summary>
/// The host's user database as the C library sees it, through <c>getpwnam_r</c>, so that users
/// from LDAP, SSSD or systemd-userdb (NSS) resolve exactly as they do for <c>id</c> and the kernel's
/// view of the agent process. Parsing /etc/passwd would miss them.
/// </summary>
public sealed class SystemUserDirectory : IUserDirectory
{
    public bool TryGetUid(string userName, out uint uid)
    {
        ArgumentNullException.ThrowIfNull(userName);
        return LibC.TryGetPasswdIds(userName, out uid, out _);
    }

    /// <summary>
    /// The user's primary group, e.g. for the group ownership of the socket directory that the
    /// agent user must be able to enter.
    /// </summary>
    public bool TryGetPrimaryGid(string userName, out uint gid)
    {
        ArgumentNullException.ThrowIfNull(userName);
        return LibC.TryGetPasswdIds(userName, out _, out gid);
    }
}

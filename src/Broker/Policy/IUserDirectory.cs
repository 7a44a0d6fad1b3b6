namespace PrivSep.Broker.Policy;

/// <summary>
/// Turns the user names written in <c>agents.users</c> into uids. An interface so that tests can
/// use a fixed table instead of the host's user database.
/// </summary>
public interface IUserDirectory
{
    /// <summary>
    /// True with the user's uid when the user exists; false when it does not. A failure of the
    /// lookup itself (e.g. the name service is unreachable) is an exception, not "no such user".
    /// </summary>
    bool TryGetUid(string userName, out uint uid);
}

using PrivSep.Broker.Policy;

namespace PrivSep.Broker.Tests.Policy;

/// <summary>A fixed user table, so policy tests do not depend on the users of the machine running them.</summary>
internal sealed class FakeUserDirectory(params (string Name, uint Uid)[] users) : IUserDirectory
{
    private readonly Dictionary<string, uint> _users = users.ToDictionary(u => u.Name, u => u.Uid, StringComparer.Ordinal);

    public bool TryGetUid(string userName, out uint uid) => _users.TryGetValue(userName, out uid);
}

using System.Buffers;

namespace PrivSep.Broker.Policy;

/// <summary>Character sets for host names and host name patterns, built once.</summary>
internal static class HostNameCharacters
{
    private const string Alphanumerics = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    /// <summary>What a pattern label may contain.</summary>
    public static readonly SearchValues<char> PatternCharacters = SearchValues.Create(Alphanumerics + "-*?");

    /// <summary>
    /// What a host name from a client may contain for a pattern to be tried at all; '_' is accepted
    /// because it occurs in real DNS names, though only a wildcard can match it.
    /// </summary>
    public static readonly SearchValues<char> NameCharacters = SearchValues.Create(Alphanumerics + "-_.");
}

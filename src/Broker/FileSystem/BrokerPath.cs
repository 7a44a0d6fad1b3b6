using PrivSep.Broker.Service;
using PrivSep.Protocol;

namespace PrivSep.Broker.FileSystem;

/// <summary>
/// Validation of paths arriving from a client: absolute, normalized, bounded. The broker never interprets
/// "." or ".." itself (the kernel resolves what is opened, and the policy is checked on that), so a path
/// containing them is refused rather than "cleaned": there is no legitimate client that sends one.
/// </summary>
internal static class BrokerPath
{
    public static string Validate(string? path, string argumentName = "path")
    {
        if (string.IsNullOrEmpty(path))
        {
            throw BrokerActionException.Invalid($"The {argumentName} is empty.");
        }

        if (path.Length > ProtocolDefaults.MaxPathLength)
        {
            throw BrokerActionException.Invalid($"The {argumentName} is longer than {ProtocolDefaults.MaxPathLength} characters.");
        }

        if (path[0] != '/')
        {
            throw BrokerActionException.Invalid($"The {argumentName} '{path}' is not absolute.");
        }

        if (path.Contains('\0'))
        {
            throw BrokerActionException.Invalid($"The {argumentName} contains a NUL character.");
        }

        // One trailing slash is how Path.GetFullPath keeps "dir/"; it names the same object.
        string trimmed = path.Length > 1 && path[^1] == '/' ? path[..^1] : path;
        foreach (var segment in trimmed.Split('/').AsSpan(1))
        {
            if (segment.Length == 0 && trimmed != "/")
            {
                throw BrokerActionException.Invalid($"The {argumentName} '{path}' contains an empty segment ('//').");
            }

            if (segment is "." or "..")
            {
                throw BrokerActionException.Invalid($"The {argumentName} '{path}' is not normalized (contains '{segment}').");
            }
        }

        return trimmed;
    }

    /// <summary>Splits a normalized path into its parent directory and final name; null parent for "/".</summary>
    public static (string? Parent, string Name) Split(string normalized)
    {
        int slash = normalized.LastIndexOf('/');
        return normalized == "/" ? (null, "/") : (slash == 0 ? "/" : normalized[..slash], normalized[(slash + 1)..]);
    }
}

using System.Collections.Concurrent;
using Mono.Cecil;

namespace PrivSep.Rewriter.Catalog;

/// <summary>
/// A cheap, exact necessary condition for a member's documentation ID to start with (or equal) one of a set of ID
/// prefixes, decided from the outermost declaring type alone, so the full ID (every parameter type) is built only for
/// the few calls that can match. Every ID of a member of top-level type T starts with <c>S = "M:" + T + "."</c>; an
/// ID can then start with a prefix P only when S starts with P or P starts with S. Cached per (namespace, name).
/// </summary>
internal sealed class TopLevelTypeFilter(IEnumerable<string> prefixes)
{
    private readonly string[] prefixes = prefixes.Distinct(StringComparer.Ordinal).ToArray();
    private readonly ConcurrentDictionary<(string Namespace, string Name), bool> cache = new();

    /// <summary>False when no ID of a member declared in <paramref name="declaringType"/> can start with a prefix.</summary>
    public bool MayMatch(TypeReference declaringType)
    {
        // Mirrors DocumentationId.AppendTypeName: generic instances by their element type, nested types by their outer type.
        TypeReference type = declaringType;
        while (true)
        {
            if (type is GenericInstanceType git)
            {
                type = git.ElementType;
            }

            if (type.DeclaringType is null)
            {
                break;
            }

            type = type.DeclaringType;
        }

        return this.MayMatch(type.Namespace, type.Name);
    }

    /// <summary>The same test for a top-level type given by namespace and name (e.g. read with System.Reflection.Metadata).</summary>
    public bool MayMatch(string @namespace, string name) =>
        this.cache.GetOrAdd((@namespace, name), static (key, prefixes) =>
        {
            string start = "M:" + (key.Namespace.Length > 0 ? key.Namespace + "." : string.Empty) + key.Name + ".";
            foreach (string prefix in prefixes)
            {
                if (start.StartsWith(prefix, StringComparison.Ordinal) || prefix.StartsWith(start, StringComparison.Ordinal))
                {
                    return true;
                }
            }

            return false;
        }, this.prefixes);
}

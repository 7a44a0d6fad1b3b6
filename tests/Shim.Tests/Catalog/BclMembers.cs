using System.Diagnostics;
using System.Net.NetworkInformation;
using System.Reflection;

namespace PrivSep.Shim.Tests.Catalog;

/// <summary>Finds the BCL member a documentation ID names, among the framework assemblies the catalog can target.</summary>
internal static class BclMembers
{
    private const BindingFlags Everything = BindingFlags.Public | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;

    // System.Private.CoreLib (File, Directory, FileStream, StreamReader, StreamWriter), System.Net.Ping (Ping) and
    // System.Diagnostics.Process (Process).
    private static readonly Assembly[] FrameworkAssemblies = [typeof(object).Assembly, typeof(Ping).Assembly, typeof(Process).Assembly];

    /// <summary>Every public method or constructor whose documentation ID is <paramref name="documentationId"/>.</summary>
    public static IReadOnlyList<MethodBase> Resolve(string documentationId)
    {
        if (!documentationId.StartsWith("M:", StringComparison.Ordinal))
        {
            return [];
        }

        string signature = documentationId[2..];
        int parameters = signature.IndexOf('(');
        string qualifiedName = parameters < 0 ? signature : signature[..parameters];
        int lastDot = qualifiedName.LastIndexOf('.');
        if (lastDot < 0)
        {
            return [];
        }

        Type? type = FindType(qualifiedName[..lastDot]);
        if (type is null)
        {
            return [];
        }

        return PublicMembers(type).Where(m => DocumentationId.Of(m) == documentationId).ToList();
    }

    public static IEnumerable<MethodBase> PublicMembers(Type type) =>
        type.GetMethods(Everything).Cast<MethodBase>().Concat(type.GetConstructors(BindingFlags.Public | BindingFlags.Instance));

    private static Type? FindType(string documentationName)
    {
        // Nested types are dotted in documentation IDs and '+'-joined in reflection: try each split from the right.
        string candidate = documentationName;
        while (true)
        {
            foreach (var assembly in FrameworkAssemblies)
            {
                if (assembly.GetType(candidate) is { } found)
                {
                    return found;
                }
            }

            int dot = candidate.LastIndexOf('.');
            if (dot < 0)
            {
                return null;
            }

            candidate = candidate[..dot] + "+" + candidate[(dot + 1)..];
        }
    }
}

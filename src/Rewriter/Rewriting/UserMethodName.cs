using Mono.Cecil;

namespace PrivSep.Rewriter.Rewriting;

/// <summary>
/// The method a person wrote, for code the compiler generated: async and iterator state machines (<c>&lt;Run&gt;d__3.MoveNext</c>),
/// lambdas (<c>&lt;&gt;c.&lt;Run&gt;b__3_0</c>, display classes) and local functions (<c>&lt;Run&gt;g__Local|3_0</c>) are reported as <c>Type.Run</c>.
/// </summary>
internal static class UserMethodName
{
    public static string Of(MethodDefinition method)
    {
        string? userName = GeneratedFrom(method.Name);
        TypeDefinition type = method.DeclaringType;
        while (type.DeclaringType is not null && type.Name.StartsWith('<'))
        {
            userName ??= GeneratedFrom(type.Name);
            type = type.DeclaringType;
        }

        return $"{type.FullName.Replace('/', '.')}.{userName ?? method.Name}";
    }

    /// <summary>"&lt;Run&gt;d__3" → "Run"; "&lt;&gt;c" or a plain name → null.</summary>
    private static string? GeneratedFrom(string name)
    {
        if (!name.StartsWith('<'))
        {
            return null;
        }

        int end = name.IndexOf('>', StringComparison.Ordinal);
        return end > 1 ? name[1..end] : null;
    }
}

using Mono.Cecil;

namespace PrivSep.Rewriter.Catalog;

/// <summary>Checks one [Replaces] entry: the ID names exactly one reference-assembly member and the replacement's shape fits it.</summary>
internal static class CatalogValidator
{
    /// <returns>Null when the entry is sound (and <paramref name="entry"/> is set), else what is wrong with it.</returns>
    public static string? Validate(string originalId, MethodDefinition replacement, ReferenceAssemblies references, out CatalogEntry? entry)
    {
        entry = null;
        if (!originalId.StartsWith("M:", StringComparison.Ordinal))
        {
            return $"'{originalId}' is not a method ID (M:...)";
        }

        string head = originalId[2..];
        int paren = head.IndexOf('(', StringComparison.Ordinal);
        string namepart = paren < 0 ? head.Split('~')[0] : head[..paren];
        int dot = namepart.LastIndexOf('.');
        if (dot <= 0)
        {
            return $"'{originalId}' has no declaring type";
        }

        string typeName = namepart[..dot];
        IReadOnlyList<MethodDefinition> matches = references.FindMethods(typeName, originalId);
        if (matches.Count == 0)
        {
            return $"'{originalId}' names no member of the .NET reference assemblies in {references.Directory}";
        }

        if (matches.Count > 1)
        {
            return $"'{originalId}' names {matches.Count} members of the reference assemblies";
        }

        MethodDefinition original = matches[0];
        if (!replacement.IsStatic || !replacement.IsPublic || !IsVisible(replacement.DeclaringType))
        {
            return "the replacement must be a public static method of a public type";
        }

        if (replacement.HasGenericParameters != original.HasGenericParameters || replacement.GenericParameters.Count != original.GenericParameters.Count)
        {
            return "the replacement must have as many generic parameters as the original";
        }

        List<string> expected = original.Parameters.Select(p => DocumentationId.TypeInSignature(p.ParameterType)).ToList();
        string declaringType = DocumentationId.TypeName(original.DeclaringType);
        ReplacementShape shape;
        string expectedReturn;
        if (original.IsConstructor)
        {
            shape = ReplacementShape.Constructor;
            expectedReturn = declaringType;
        }
        else if (original.IsStatic)
        {
            shape = ReplacementShape.Static;
            expectedReturn = DocumentationId.TypeInSignature(original.ReturnType);
        }
        else
        {
            if (original.DeclaringType.IsValueType)
            {
                return "instance members of value types cannot be replaced by a static method taking the instance";
            }

            shape = ReplacementShape.Instance;
            expectedReturn = DocumentationId.TypeInSignature(original.ReturnType);
            expected.Insert(0, declaringType);
        }

        List<string> actual = replacement.Parameters.Select(p => DocumentationId.TypeInSignature(p.ParameterType)).ToList();
        string actualReturn = DocumentationId.TypeInSignature(replacement.ReturnType);
        if (!expected.SequenceEqual(actual, StringComparer.Ordinal))
        {
            string what = shape switch
            {
                ReplacementShape.Instance => "the instance first, then the original's parameters",
                ReplacementShape.Constructor => "the constructor's parameters (a static factory)",
                _ => "the original's parameters",
            };
            return $"parameters ({string.Join(",", actual)}) do not fit a {shape.ToString().ToLowerInvariant()} replacement: expected ({string.Join(",", expected)}), {what}";
        }

        if (actualReturn != expectedReturn)
        {
            return $"returns {actualReturn}, expected {expectedReturn}";
        }

        entry = new CatalogEntry(originalId, DocumentationId.ForMethod(replacement), shape, declaringType, expectedReturn, original.IsVirtual && !original.IsStatic)
        {
            Replacement = replacement,
        };
        return null;
    }

    private static bool IsVisible(TypeDefinition type)
    {
        for (TypeDefinition? t = type; t is not null; t = t.DeclaringType)
        {
            if (!(t.IsPublic || t.IsNestedPublic))
            {
                return false;
            }
        }

        return true;
    }
}

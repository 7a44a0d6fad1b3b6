using System.Text;
using Mono.Cecil;

namespace PrivSep.Rewriter.Catalog;

/// <summary>
/// Documentation-comment IDs (the format of Roslyn's BannedApiAnalyzers and of [Replaces]) computed from Cecil references.
/// They name a member by namespace, type, name and parameter types only, never by assembly, which is what makes a call
/// compiled against System.Runtime, netstandard or mscorlib match the same catalog entry.
/// </summary>
internal static class DocumentationId
{
    public static string ForMethod(MethodReference method)
    {
        MethodReference element = method is GenericInstanceMethod gim ? gim.ElementMethod : method;
        var text = new StringBuilder("M:");
        AppendTypeName(text, element.DeclaringType);
        text.Append('.');
        text.Append(element.Name switch { ".ctor" => "#ctor", ".cctor" => "#cctor", _ => element.Name.Replace('.', '#') });
        if (element.HasGenericParameters)
        {
            text.Append("``").Append(element.GenericParameters.Count);
        }

        if (element.HasParameters)
        {
            text.Append('(');
            for (int i = 0; i < element.Parameters.Count; i++)
            {
                if (i > 0)
                {
                    text.Append(',');
                }

                AppendType(text, element.Parameters[i].ParameterType);
            }

            text.Append(')');
        }

        if (element.Name is "op_Implicit" or "op_Explicit")
        {
            text.Append('~');
            AppendType(text, element.ReturnType);
        }

        return text.ToString();
    }

    public static string ForType(TypeReference type)
    {
        var text = new StringBuilder("T:");
        AppendTypeName(text, type.GetElementType());
        return text.ToString();
    }

    /// <summary>A type as it appears inside a member's ID (generic arguments in braces, parameters as `n / ``n).</summary>
    public static string TypeInSignature(TypeReference type)
    {
        var text = new StringBuilder();
        AppendType(text, type);
        return text.ToString();
    }

    /// <summary>The type's name without generic arguments: Namespace.Outer.Inner`1.</summary>
    public static string TypeName(TypeReference type)
    {
        var text = new StringBuilder();
        AppendTypeName(text, type.GetElementType());
        return text.ToString();
    }

    private static void AppendTypeName(StringBuilder text, TypeReference type)
    {
        if (type is GenericInstanceType git)
        {
            type = git.ElementType;
        }

        if (type.DeclaringType is not null)
        {
            AppendTypeName(text, type.DeclaringType);
            text.Append('.');
        }
        else if (type.Namespace.Length > 0)
        {
            text.Append(type.Namespace).Append('.');
        }

        text.Append(type.Name);
    }

    private static void AppendType(StringBuilder text, TypeReference type)
    {
        switch (type)
        {
            case GenericParameter gp:
                text.Append(gp.Type == GenericParameterType.Method ? "``" : "`").Append(gp.Position);
                return;
            case ByReferenceType byRef:
                AppendType(text, byRef.ElementType);
                text.Append('@');
                return;
            case PointerType pointer:
                AppendType(text, pointer.ElementType);
                text.Append('*');
                return;
            case ArrayType array:
                AppendType(text, array.ElementType);
                if (array.IsVector)
                {
                    text.Append("[]");
                }
                else
                {
                    text.Append('[').Append(string.Join(",", Enumerable.Repeat("0:", array.Rank))).Append(']');
                }

                return;
            case RequiredModifierType required:
                AppendType(text, required.ElementType);
                return;
            case OptionalModifierType optional:
                AppendType(text, optional.ElementType);
                return;
            case PinnedType pinned:
                AppendType(text, pinned.ElementType);
                return;
            case GenericInstanceType generic:
                AppendGenericInstance(text, generic);
                return;
            default:
                AppendTypeName(text, type);
                return;
        }
    }

    private static void AppendGenericInstance(StringBuilder text, GenericInstanceType generic)
    {
        // Outer<A>.Inner<B> carries all arguments on the innermost type; each level takes its own share.
        TypeReference definition = generic.ElementType;
        var levels = new List<TypeReference>();
        for (TypeReference? level = definition; level is not null; level = level.DeclaringType)
        {
            levels.Insert(0, level);
        }

        int argument = 0;
        for (int i = 0; i < levels.Count; i++)
        {
            TypeReference level = levels[i];
            if (i == 0)
            {
                if (level.Namespace.Length > 0)
                {
                    text.Append(level.Namespace).Append('.');
                }
            }
            else
            {
                text.Append('.');
            }

            string name = level.Name;
            int tick = name.IndexOf('`', StringComparison.Ordinal);
            if (tick < 0)
            {
                text.Append(name);
                continue;
            }

            text.Append(name, 0, tick);
            int count = int.Parse(name.AsSpan(tick + 1), System.Globalization.CultureInfo.InvariantCulture);
            text.Append('{');
            for (int k = 0; k < count && argument < generic.GenericArguments.Count; k++, argument++)
            {
                if (k > 0)
                {
                    text.Append(',');
                }

                AppendType(text, generic.GenericArguments[argument]);
            }

            text.Append('}');
        }
    }
}

using System.Reflection;
using System.Text;

namespace PrivSep.Shim.Tests.Catalog;

/// <summary>
/// Documentation-comment IDs of methods and constructors, built by reflection in the format the C# compiler and Roslyn's
/// BannedApiAnalyzers use: <c>M:Namespace.Type.Name(ParamType,…)</c>, <c>#ctor</c> for constructors, generic arguments in
/// braces (<c>System.Collections.Generic.IEnumerable{System.String}</c>), <c>[]</c> for arrays, <c>@</c> for by-ref,
/// <c>`n</c> / <c>``n</c> for type / method type parameters. Test-only: the catalog test resolves IDs with it.
/// </summary>
internal static class DocumentationId
{
    public static string Of(MethodBase method)
    {
        var id = new StringBuilder("M:");
        id.Append(DeclarationName(method.DeclaringType!)).Append('.');
        id.Append(method switch
        {
            ConstructorInfo { IsStatic: true } => "#cctor",
            ConstructorInfo => "#ctor",
            _ => method.Name.Replace('.', '#'),
        });

        if (method.IsGenericMethodDefinition)
        {
            id.Append("``").Append(method.GetGenericArguments().Length);
        }

        var parameters = method.GetParameters();
        if (parameters.Length > 0)
        {
            id.Append('(').AppendJoin(',', parameters.Select(p => Reference(p.ParameterType))).Append(')');
        }

        if (method is MethodInfo { Name: "op_Implicit" or "op_Explicit" } conversion)
        {
            id.Append('~').Append(Reference(conversion.ReturnType));
        }

        return id.ToString();
    }

    /// <summary>A type as it appears in a parameter list.</summary>
    public static string Reference(Type type)
    {
        if (type.IsByRef)
        {
            return Reference(type.GetElementType()!) + "@";
        }

        if (type.IsPointer)
        {
            return Reference(type.GetElementType()!) + "*";
        }

        if (type.IsArray)
        {
            string element = Reference(type.GetElementType()!);
            return type.IsSZArray ? element + "[]" : element + "[" + string.Join(",", Enumerable.Repeat("0:", type.GetArrayRank())) + "]";
        }

        if (type.IsGenericParameter)
        {
            return (type.DeclaringMethod is null ? "`" : "``") + type.GenericParameterPosition;
        }

        return Name(type, type.IsConstructedGenericType ? type.GetGenericArguments() : null);
    }

    /// <summary>A type as the declaring part of a member ID (generic definitions keep their arity: <c>List`1</c>).</summary>
    private static string DeclarationName(Type type) => Name(type, arguments: null);

    /// <summary>
    /// Namespace, then each nesting level joined by '.', each level followed by its own generic arguments in braces when
    /// constructed (a nested type's argument list includes its outer types' arguments first) or its arity when not.
    /// </summary>
    private static string Name(Type type, Type[]? arguments)
    {
        var levels = new List<Type>();
        for (Type? level = type; level is not null; level = level.DeclaringType)
        {
            levels.Insert(0, level);
        }

        var name = new StringBuilder();
        if (!string.IsNullOrEmpty(levels[0].Namespace))
        {
            name.Append(levels[0].Namespace).Append('.');
        }

        int consumed = 0;
        for (int i = 0; i < levels.Count; i++)
        {
            Type level = levels[i];
            if (i > 0)
            {
                name.Append('.');
            }

            int tick = level.Name.IndexOf('`');
            name.Append(tick < 0 ? level.Name : level.Name[..tick]);

            int total = level.IsGenericType ? level.GetGenericTypeDefinition().GetGenericArguments().Length : 0;
            int own = total - consumed;
            if (own > 0)
            {
                if (arguments is null)
                {
                    name.Append('`').Append(own);
                }
                else
                {
                    name.Append('{').AppendJoin(',', arguments.Skip(consumed).Take(own).Select(Reference)).Append('}');
                }
            }

            consumed = total;
        }

        return name.ToString();
    }
}

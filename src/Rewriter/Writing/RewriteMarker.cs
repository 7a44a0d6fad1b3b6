using Mono.Cecil;

namespace PrivSep.Rewriter.Writing;

/// <summary>
/// The assembly-level marker that makes rewriting idempotent (as Fody's "woven" marker): a BCL
/// <c>[assembly: AssemblyMetadata("PrivSep.Rewritten", "&lt;tool version&gt;; catalog &lt;sha256&gt;")]</c>, so no new type
/// is needed in the plugin and the marker is readable with plain reflection.
/// </summary>
internal static class RewriteMarker
{
    public const string Key = "PrivSep.Rewritten";
    private const string AttributeNamespace = "System.Reflection";
    private const string AttributeName = "AssemblyMetadataAttribute";

    public static string? Find(AssemblyDefinition assembly) =>
        assembly.CustomAttributes
            .Where(a => a.AttributeType.Namespace == AttributeNamespace && a.AttributeType.Name == AttributeName && a.ConstructorArguments.Count == 2)
            .Where(a => a.ConstructorArguments[0].Value as string == Key)
            .Select(a => a.ConstructorArguments[1].Value as string ?? string.Empty)
            .FirstOrDefault();

    public static void Add(ModuleDefinition module, string value)
    {
        var attributeType = new TypeReference(AttributeNamespace, AttributeName, module, module.TypeSystem.CoreLibrary);
        var constructor = new MethodReference(".ctor", module.TypeSystem.Void, attributeType) { HasThis = true };
        constructor.Parameters.Add(new ParameterDefinition(module.TypeSystem.String));
        constructor.Parameters.Add(new ParameterDefinition(module.TypeSystem.String));
        var attribute = new CustomAttribute(module.ImportReference(constructor));
        attribute.ConstructorArguments.Add(new CustomAttributeArgument(module.TypeSystem.String, Key));
        attribute.ConstructorArguments.Add(new CustomAttributeArgument(module.TypeSystem.String, value));
        module.Assembly.CustomAttributes.Add(attribute);
    }
}

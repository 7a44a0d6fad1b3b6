namespace PrivSep.Broker.Policy;

/// <summary>
/// Typed access to the policy's JSON tree: each accessor either returns the value in the shape the
/// policy requires or throws a <see cref="PolicyException"/> at the value's line and column saying
/// what was expected and what was found.
/// </summary>
internal sealed class PolicyValueReader(PolicySourceText source)
{
    public PolicyException Error(int offset, string problem) => source.Error(offset, problem);

    public PolicyException Error(int offset, string problem, Exception innerException) =>
        source.Error(offset, problem, innerException);

    public PolicyJsonObject Object(PolicyJsonNode node, string name, string example) =>
        node as PolicyJsonObject
        ?? throw Error(node.Offset, $"'{name}' must be an object, found {node.Description} (e.g. {example})");

    public PolicyJsonArray Array(PolicyJsonNode node, string name, string example) =>
        node as PolicyJsonArray
        ?? throw Error(node.Offset, $"'{name}' must be an array, found {node.Description} (e.g. {example})");

    /// <summary>The strings of an array of strings, each with its position for later errors.</summary>
    public IReadOnlyList<PolicyJsonString> StringArray(PolicyJsonNode node, string name, string example)
    {
        var array = Array(node, name, example);
        var strings = new List<PolicyJsonString>(array.Items.Count);
        for (var i = 0; i < array.Items.Count; i++)
        {
            var item = array.Items[i];
            strings.Add(item as PolicyJsonString
                ?? throw Error(item.Offset, $"'{name}[{i}]' must be a string, found {item.Description} (write it in double quotes)"));
        }

        return strings;
    }

    public long Integer(PolicyJsonNode node, string name) =>
        node switch
        {
            PolicyJsonNumber { Integer: { } value } => value,
            PolicyJsonNumber number => throw Error(node.Offset, $"'{name}' must be a whole number, found {number.Text}"),
            _ => throw Error(node.Offset, $"'{name}' must be a number, found {node.Description}"),
        };

    public bool Boolean(PolicyJsonNode node, string name) =>
        node switch
        {
            PolicyJsonLiteral { Text: "true" } => true,
            PolicyJsonLiteral { Text: "false" } => false,
            _ => throw Error(node.Offset, $"'{name}' must be true or false, found {node.Description}"),
        };

    public PolicyJsonString String(PolicyJsonNode node, string name, string example) =>
        node as PolicyJsonString
        ?? throw Error(node.Offset, $"'{name}' must be a string, found {node.Description} (e.g. {example})");

    /// <summary>
    /// Refuses keys the policy does not define (a misspelt key would otherwise be silently ignored,
    /// and its rules with it) and keys given twice (which of the two would apply is not obvious).
    /// </summary>
    /// <param name="where">e.g. "at the top level" or "in 'files'".</param>
    public void CheckKeys(PolicyJsonObject obj, string where, IReadOnlyList<string> allowed)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in obj.Properties)
        {
            if (!allowed.Contains(property.Name, StringComparer.Ordinal))
            {
                throw Error(property.NameOffset, $"unknown key '{property.Name}' {where} (expected {string.Join(", ", allowed)})");
            }

            if (!seen.Add(property.Name))
            {
                throw Error(property.NameOffset, $"duplicate key '{property.Name}' {where} (give each key once; merge the two)");
            }
        }
    }
}

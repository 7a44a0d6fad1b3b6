namespace PrivSep.Broker.Policy;

// A minimal JSON tree that remembers where each value and key began in the policy file, so that
// every error found while interpreting the policy (not only syntax errors) can name its line and
// column. System.Text.Json's JsonDocument keeps no positions, hence this small tree.

/// <summary>A JSON value and the byte offset (in the UTF-8 policy text) where it begins.</summary>
internal abstract record PolicyJsonNode(int Offset)
{
    /// <summary>What the value is, for "found ..." in error messages.</summary>
    public abstract string Description { get; }
}

internal sealed record PolicyJsonObject(int Offset, IReadOnlyList<PolicyJsonProperty> Properties) : PolicyJsonNode(Offset)
{
    public override string Description => "an object";

    public PolicyJsonProperty? Find(string name) =>
        Properties.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.Ordinal));
}

internal sealed record PolicyJsonProperty(string Name, int NameOffset, PolicyJsonNode Value);

internal sealed record PolicyJsonArray(int Offset, IReadOnlyList<PolicyJsonNode> Items) : PolicyJsonNode(Offset)
{
    public override string Description => "an array";
}

internal sealed record PolicyJsonString(int Offset, string Value) : PolicyJsonNode(Offset)
{
    public override string Description => "a string";
}

/// <summary>A number; <see cref="Integer"/> is set when it is written as a whole number that fits in 64 bits.</summary>
internal sealed record PolicyJsonNumber(int Offset, string Text, long? Integer) : PolicyJsonNode(Offset)
{
    public override string Description => $"the number {Text}";
}

/// <summary>true, false or null.</summary>
internal sealed record PolicyJsonLiteral(int Offset, string Text) : PolicyJsonNode(Offset)
{
    public override string Description => Text;
}

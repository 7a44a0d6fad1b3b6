using System.Text.Json;

namespace PrivSep.Broker.Policy;

/// <summary>
/// Reads policy text into a <see cref="PolicyJsonNode"/> tree with Utf8JsonReader, which skips
/// comments, accepts trailing commas and reports syntax errors with their position.
/// </summary>
internal static class PolicyJsonParser
{
    private static readonly JsonReaderOptions ReaderOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        MaxDepth = 32,
    };

    public static PolicyJsonNode Parse(PolicySourceText source)
    {
        var reader = new Utf8JsonReader(source.Utf8, ReaderOptions);
        try
        {
            if (!reader.Read())
            {
                throw source.Error(0, "the policy is empty (write a JSON object such as { \"version\": 1, \"agents\": { \"users\": [\"privsep-agent\"] } })");
            }

            var root = ReadValue(ref reader, source);

            // Only whitespace and comments may follow; the reader throws on anything else.
            if (reader.Read())
            {
                throw source.Error((int)reader.TokenStartIndex, "unexpected content after the policy object (remove it)");
            }

            return root;
        }
        catch (JsonException exception)
        {
            throw source.Error(exception);
        }
    }

    private static PolicyJsonNode ReadValue(ref Utf8JsonReader reader, PolicySourceText source)
    {
        var offset = (int)reader.TokenStartIndex;
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var properties = new List<PolicyJsonProperty>();
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var nameOffset = (int)reader.TokenStartIndex;
                    var name = GetString(ref reader, source);
                    reader.Read();
                    properties.Add(new PolicyJsonProperty(name, nameOffset, ReadValue(ref reader, source)));
                }

                return new PolicyJsonObject(offset, properties);

            case JsonTokenType.StartArray:
                var items = new List<PolicyJsonNode>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    items.Add(ReadValue(ref reader, source));
                }

                return new PolicyJsonArray(offset, items);

            case JsonTokenType.String:
                return new PolicyJsonString(offset, GetString(ref reader, source));

            case JsonTokenType.Number:
                var text = System.Text.Encoding.UTF8.GetString(reader.ValueSpan);
                return new PolicyJsonNumber(offset, text, reader.TryGetInt64(out var integer) ? integer : null);

            case JsonTokenType.True:
                return new PolicyJsonLiteral(offset, "true");

            case JsonTokenType.False:
                return new PolicyJsonLiteral(offset, "false");

            default:
                return new PolicyJsonLiteral(offset, "null");
        }
    }

    /// <summary>
    /// The reader validates a string's syntax but not its escapes until it is decoded; a lone
    /// surrogate such as "\uD800" fails only here, and must still be a positioned policy error.
    /// </summary>
    private static string GetString(ref Utf8JsonReader reader, PolicySourceText source)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException exception)
        {
            throw source.Error((int)reader.TokenStartIndex, $"invalid string: {exception.Message}", exception);
        }
    }
}

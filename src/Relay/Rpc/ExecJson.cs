using System.Text.Json;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Relay.Rpc;

/// <summary>
/// The exec messages in the shapes System.Text.Json gives the contract records, which the broker reads and writes: one
/// object, the properties named as the records declare them, in their order. Written with <see cref="Utf8JsonWriter"/>
/// and read from <see cref="JsonElement"/>s rather than with JsonSerializer, whose own start-up (even with generated
/// metadata) cost the relay ~15 ms more; <c>nameof</c> keeps the names the records' own.
/// </summary>
internal static class ExecJson
{
    public static byte[] Encode(ExecRequest request) => JsonBytes.Write(json =>
    {
        json.WriteStartObject();
        json.WriteString(nameof(ExecRequest.Path), request.Path);
        json.WriteStartArray(nameof(ExecRequest.Arguments));
        foreach (string argument in request.Arguments)
        {
            json.WriteStringValue(argument);
        }

        json.WriteEndArray();
        json.WriteString(nameof(ExecRequest.Plugin), request.Plugin);
        json.WriteEndObject();
    });

    public static byte[] Encode(ExecWaitRequest request) => JsonBytes.Write(json =>
    {
        json.WriteStartObject();
        json.WriteNumber(nameof(ExecWaitRequest.Handle), request.Handle);
        json.WriteNumber(nameof(ExecWaitRequest.TimeoutMilliseconds), request.TimeoutMilliseconds);
        json.WriteEndObject();
    });

    public static byte[] Encode(ExecSignalRequest request) => JsonBytes.Write(json =>
    {
        json.WriteStartObject();
        json.WriteNumber(nameof(ExecSignalRequest.Handle), request.Handle);
        json.WriteNumber(nameof(ExecSignalRequest.Signal), request.Signal);
        json.WriteEndObject();
    });

    /// <exception cref="JsonException">Not an object with every property of the record, each of its type.</exception>
    public static ExecStartResponse ReadStarted(JsonElement result) => new(
        Int64(result, nameof(ExecStartResponse.Handle)),
        Int32(result, nameof(ExecStartResponse.Pid)),
        Int64(result, nameof(ExecStartResponse.StdinDescriptor)),
        Int64(result, nameof(ExecStartResponse.StdoutDescriptor)),
        Int64(result, nameof(ExecStartResponse.StderrDescriptor)));

    /// <exception cref="JsonException">Not an object with every property of the record, each of its type.</exception>
    public static ExecWaitResponse ReadEnded(JsonElement result) => new(
        Boolean(result, nameof(ExecWaitResponse.Exited)),
        Int32(result, nameof(ExecWaitResponse.ExitCode)),
        Int32(result, nameof(ExecWaitResponse.Signal)),
        Boolean(result, nameof(ExecWaitResponse.TimedOut)),
        Boolean(result, nameof(ExecWaitResponse.OutputLimitReached)),
        Int64(result, nameof(ExecWaitResponse.StdoutBytes)),
        Int64(result, nameof(ExecWaitResponse.StderrBytes)),
        Int64(result, nameof(ExecWaitResponse.DurationMilliseconds)));

    private static long Int64(JsonElement result, string name) =>
        Property(result, name) is { ValueKind: JsonValueKind.Number } value && value.TryGetInt64(out long number) ? number : throw Malformed(name, "a 64-bit integer");

    private static int Int32(JsonElement result, string name) =>
        Property(result, name) is { ValueKind: JsonValueKind.Number } value && value.TryGetInt32(out int number) ? number : throw Malformed(name, "a 32-bit integer");

    private static bool Boolean(JsonElement result, string name) =>
        Property(result, name) is { ValueKind: JsonValueKind.True or JsonValueKind.False } value ? value.GetBoolean() : throw Malformed(name, "true or false");

    private static JsonElement Property(JsonElement result, string name)
    {
        if (result.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException($"it is {result.ValueKind}, not an object");
        }

        return result.TryGetProperty(name, out var value) ? value : throw new JsonException($"it has no {name}");
    }

    private static JsonException Malformed(string name, string expected) => new($"its {name} is not {expected}");
}

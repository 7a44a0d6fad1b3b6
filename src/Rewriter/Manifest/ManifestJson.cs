using System.Text.Json;
using System.Text.Json.Serialization;

namespace PrivSep.Rewriter.Manifest;

/// <summary>
/// Reads and writes the manifest's JSON. Source-generated, so the property order is the declaration order of the
/// records (stable across runs and runtime versions) and reading needs no reflection. Unknown properties are refused:
/// a signed security document should not carry content no reader looks at.
/// </summary>
public static class ManifestJson
{
    /// <summary>UTF-8 JSON, indented, ending with a line feed.</summary>
    public static byte[] Serialize(RewriteManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(manifest, ManifestJsonContext.Default.RewriteManifest);
        byte[] withNewline = new byte[json.Length + 1];
        json.CopyTo(withNewline, 0);
        withNewline[^1] = (byte)'\n';
        return withNewline;
    }

    /// <exception cref="ManifestException">The bytes are not a manifest of a known format version.</exception>
    public static RewriteManifest Parse(ReadOnlySpan<byte> utf8Json, string sourceName)
    {
        // The version decides the shape, so it is checked first: a manifest of another version must be refused for
        // its version (with the fix), not for a property it lacks or has.
        if (PeekFormatVersion(utf8Json) is { } version && version != RewriteManifest.CurrentFormatVersion)
        {
            throw new ManifestException(version < RewriteManifest.CurrentFormatVersion
                ? $"{sourceName}: manifest format version {version} is too old: it pins only the assemblies, not every file of the folder (native libraries and other files went unchecked); re-run privsep rewrite with this version of privsep (format version {RewriteManifest.CurrentFormatVersion}) and sign the folder again"
                : $"{sourceName}: manifest format version {version} is not supported (this tool reads version {RewriteManifest.CurrentFormatVersion}); verify with the version of privsep that wrote it, or re-run privsep rewrite with this one");
        }

        RewriteManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(utf8Json, ManifestJsonContext.Default.RewriteManifest);
        }
        catch (JsonException e)
        {
            string where = e.LineNumber is { } line ? $"({line + 1},{(e.BytePositionInLine ?? 0) + 1})" : string.Empty;
            throw new ManifestException($"{sourceName}{where}: not a valid PrivSep manifest: {e.Message}", e);
        }

        if (manifest is null)
        {
            throw new ManifestException($"{sourceName}: not a valid PrivSep manifest (it is JSON null)");
        }

        if (manifest.FormatVersion != RewriteManifest.CurrentFormatVersion)
        {
            throw new ManifestException(
                $"{sourceName}: manifest format version {manifest.FormatVersion} is not supported (this tool reads version {RewriteManifest.CurrentFormatVersion}); re-run privsep rewrite with this version of privsep");
        }

        if (manifest.Assemblies is null || manifest.Runtime is null || manifest.Files is null || manifest.Diagnostics is null)
        {
            throw new ManifestException($"{sourceName}: not a valid PrivSep manifest (assemblies, runtime, files and diagnostics are required)");
        }

        return manifest;
    }

    /// <summary>The top-level <c>formatVersion</c> when the bytes are a JSON object that has an integer one; null otherwise (the full parse reports why).</summary>
    private static int? PeekFormatVersion(ReadOnlySpan<byte> utf8Json)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8Json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isVersion = reader.ValueTextEquals("formatVersion"u8);
                if (!reader.Read())
                {
                    return null;
                }

                if (isVersion)
                {
                    return reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out int version) ? version : null;
                }

                reader.Skip();
            }

            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(RewriteManifest))]
internal sealed partial class ManifestJsonContext : JsonSerializerContext
{
}

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
                $"{sourceName}: manifest format version {manifest.FormatVersion} is not supported (this tool reads version {RewriteManifest.CurrentFormatVersion}); rewrite the folder with this version of privsep");
        }

        if (manifest.Assemblies is null || manifest.Runtime is null || manifest.Diagnostics is null)
        {
            throw new ManifestException($"{sourceName}: not a valid PrivSep manifest (assemblies, runtime and diagnostics are required)");
        }

        return manifest;
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

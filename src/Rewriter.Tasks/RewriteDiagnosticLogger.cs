using System.Text.Json;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace PrivSep.Rewriter.Tasks;

/// <summary>
/// Turns the diagnostics recorded in <c>privsep.manifest.json</c> into MSBuild errors and warnings with their PS codes
/// and source locations, so IDEs and CI logs show them at the plugin's source line. The manifest is read rather than
/// the CLI's stdout: it is the same JSON <c>--json</c> prints, without interleaving with stderr.
/// </summary>
internal static class RewriteDiagnosticLogger
{

    /// <summary>Logs every diagnostic of the manifest; returns how many were errors, or null when the manifest is unreadable.</summary>
    public static int? Log(TaskLoggingHelper log, string manifestPath, string folder)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(manifestPath));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            log.LogMessage(MessageImportance.Low, "privsep: cannot read {0}: {1}", manifestPath, e.Message);
            return null;
        }

        using (document)
        {
            if (!document.RootElement.TryGetProperty("diagnostics", out JsonElement diagnostics) || diagnostics.ValueKind != JsonValueKind.Array)
            {
                return 0;
            }

            int errors = 0;
            foreach (JsonElement diagnostic in diagnostics.EnumerateArray())
            {
                string id = String(diagnostic, "id") ?? "PS0000";
                string severity = String(diagnostic, "severity") ?? "error";
                string message = String(diagnostic, "message") ?? string.Empty;
                string? method = String(diagnostic, "method");
                string? assembly = String(diagnostic, "assembly");
                string? file = String(diagnostic, "sourceFile") ?? (assembly is null ? null : Path.Combine(folder, assembly));
                int line = Int(diagnostic, "line");
                int column = line == 0 ? 0 : Math.Max(Int(diagnostic, "column"), 1);
                string text = method is null ? message : $"{message} [{method}]";
                switch (severity)
                {
                    case "error":
                        errors++;
                        log.LogError(null, id, id, file, line, column, 0, 0, "{0}", text);
                        break;
                    case "warning":
                        log.LogWarning(null, id, id, file, line, column, 0, 0, "{0}", text);
                        break;
                    default:
                        log.LogMessage(null, id, id, file, line, column, 0, 0, MessageImportance.Low, "{0}", text);
                        break;
                }
            }

            return errors;
        }
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static int Int(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int number) ? number : 0;
}

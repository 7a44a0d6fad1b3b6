using System.CommandLine;
using System.Text;
using PrivSep.Rewriter.Manifest;
using PrivSep.Rewriter.Model;

namespace PrivSep.Cli.Commands;

/// <summary>
/// <c>privsep scan DIR [--json]</c>: what a rewrite would change and what it could not redirect, writing nothing.
/// Exit 0 when nothing blocks a rewrite (warnings do not: the kernel still blocks what is not redirected),
/// 1 when there are error diagnostics, 2 usage or input error.
/// </summary>
internal static class ScanCommand
{
    public static Command Create(CliContext context)
    {
        var dirArgument = new Argument<string>("dir") { Description = "The plugin folder to scan (every .dll and .exe in it, recursively)." };
        var shimOption = new Option<string?>("--shim") { Description = "The PrivSep.Shim.dll whose [Replaces] members are the catalog (default: the Shim beside privsep).", HelpName = "PATH" };
        var jsonOption = new Option<bool>("--json") { Description = "Print the findings as JSON (the manifest's schema, without runtime files) on stdout, and nothing else." };
        var command = new Command(
            "scan",
            "Lists, without writing anything, the call sites a rewrite would redirect and what it could not redirect. "
            + "Exit 0 when nothing blocks a rewrite (warnings do not), 1 when there are error diagnostics, 2 usage or input error.")
        {
            dirArgument, shimOption, jsonOption,
        };
        command.SetAction((parseResult, _) => Task.FromResult(Run(context, parseResult.GetValue(dirArgument)!, parseResult.GetValue(shimOption), parseResult.GetValue(jsonOption))));
        return command;
    }

    private static int Run(CliContext context, string input, string? shimPath, bool json)
    {
        if (!Directory.Exists(input))
        {
            return context.Fail("scan", $"the folder {input} does not exist (pass the folder that holds the plugin assemblies)");
        }

        if (shimPath is not null && !File.Exists(shimPath))
        {
            return context.Fail("scan", $"the Shim assembly {shimPath} does not exist (pass the PrivSep.Shim.dll to scan against, or omit --shim)");
        }

        FolderRewriteResult result;
        try
        {
            result = context.Engine.Scan(input, shimPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or BadImageFormatException or ArgumentException)
        {
            return context.Fail("scan", e.Message);
        }

        if (json)
        {
            context.Out.Write(Encoding.UTF8.GetString(ManifestJson.Serialize(RewriteManifest.From(result))));
        }
        else
        {
            PrintTable(context.Out, result);
        }

        return result.HasErrors ? ExitCodes.Findings : ExitCodes.Success;
    }

    private static void PrintTable(TextWriter output, FolderRewriteResult result)
    {
        var rows = result.Assemblies.Select(a =>
        {
            var diagnostics = result.Diagnostics.Where(d => Concerns(d, a.FileName)).ToList();
            return (
                File: ManifestPaths.ToManifestPath(a.FileName),
                CallSites: a.AlreadyRewritten ? "rewritten" : a.Rewrites.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Errors: diagnostics.Count(d => d.Severity == DiagnosticSeverity.Error),
                Warnings: diagnostics.Count(d => d.Severity == DiagnosticSeverity.Warning));
        }).ToList();
        int width = Math.Max("ASSEMBLY".Length, rows.Count == 0 ? 0 : rows.Max(r => r.File.Length));
        output.WriteLine($"{"ASSEMBLY".PadRight(width)}  {"CALL SITES",10}  {"ERRORS",6}  {"WARNINGS",8}");
        foreach (var row in rows)
        {
            output.WriteLine($"{row.File.PadRight(width)}  {row.CallSites,10}  {row.Errors,6}  {row.Warnings,8}");
        }

        if (result.Diagnostics.Count > 0)
        {
            output.WriteLine();
            foreach (RewriteDiagnostic diagnostic in result.Diagnostics)
            {
                output.WriteLine(diagnostic.ToString());
            }
        }

        int errors = result.Diagnostics.Count(d => d.Severity == DiagnosticSeverity.Error);
        int warnings = result.Diagnostics.Count(d => d.Severity == DiagnosticSeverity.Warning);
        output.WriteLine();
        output.WriteLine($"{result.Assemblies.Sum(a => a.Rewrites.Count)} call sites in {result.Assemblies.Count(a => a.Rewrites.Count > 0)} of {result.Assemblies.Count} assemblies would be rewritten; {errors} errors, {warnings} warnings"
            + (errors > 0 ? " — the errors block a rewrite" : string.Empty));
    }

    /// <summary>A diagnostic names its assembly by file name or by assembly name.</summary>
    private static bool Concerns(RewriteDiagnostic diagnostic, string fileName) =>
        diagnostic.Assembly is { } assembly
        && (assembly == fileName || assembly == ManifestPaths.ToManifestPath(fileName) || assembly == Path.GetFileName(fileName) || assembly == Path.GetFileNameWithoutExtension(fileName));
}

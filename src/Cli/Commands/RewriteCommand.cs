using System.CommandLine;
using System.Security.Cryptography;
using System.Text;
using PrivSep.Rewriter.Manifest;
using PrivSep.Rewriter.Model;

namespace PrivSep.Cli.Commands;

/// <summary>
/// <c>privsep rewrite DIR [--out DIR | --in-place] [--sign-key KEY.pem] [--shim PATH] [--json]</c>: rewrites a plugin
/// folder, then writes the manifest, which pins every file the run placed in the output folder, and signs it. A result with error diagnostics is never
/// signed: its manifest is written (it records what went wrong) and any old signature is removed, so hosts refuse it.
/// </summary>
internal static class RewriteCommand
{
    public static Command Create(CliContext context)
    {
        var dirArgument = new Argument<string>("dir") { Description = "The plugin folder to rewrite (every .dll and .exe in it, recursively)." };
        var outOption = new Option<string?>("--out") { Description = "The folder to write the rewritten assemblies, the runtime files and the manifest to.", HelpName = "DIR" };
        var inPlaceOption = new Option<bool>("--in-place") { Description = "Rewrite DIR itself (each file replaced atomically) instead of writing to --out." };
        var signKeyOption = new Option<string?>("--sign-key") { Description = "The private key (from privsep keygen) to sign privsep.manifest.json with. Without it the manifest is not signed and privsep verify refuses the folder.", HelpName = "KEY.pem" };
        var shimOption = new Option<string?>("--shim") { Description = "The PrivSep.Shim.dll whose [Replaces] members are the catalog (default: the Shim beside privsep).", HelpName = "PATH" };
        var strongNameOption = new Option<string?>("--strong-name-key") { Description = "The .snk to re-sign strong-named assemblies with after rewriting, so they keep a valid signature (without it they keep their identity, with a PS1009 warning).", HelpName = "KEY.snk" };
        var jsonOption = new Option<bool>("--json") { Description = "Print only the manifest as JSON on stdout (errors still go to stderr)." };
        var command = new Command(
            "rewrite",
            "Rewrites the privileged calls of a plugin folder to go through the PrivSep broker, and writes and signs privsep.manifest.json. "
            + "Exit 0 done, 1 error diagnostics (manifest written, not signed), 2 usage or input error.")
        {
            dirArgument, outOption, inPlaceOption, signKeyOption, shimOption, strongNameOption, jsonOption,
        };
        command.SetAction((parseResult, _) => Task.FromResult(Run(
            context,
            parseResult.GetValue(dirArgument)!,
            parseResult.GetValue(outOption),
            parseResult.GetValue(inPlaceOption),
            parseResult.GetValue(signKeyOption),
            parseResult.GetValue(shimOption),
            parseResult.GetValue(strongNameOption),
            parseResult.GetValue(jsonOption))));
        return command;
    }

    private static int Run(CliContext context, string input, string? output, bool inPlace, string? signKeyPath, string? shimPath, string? strongNameKeyPath, bool json)
    {
        const string Name = "rewrite";
        if (!Directory.Exists(input))
        {
            return context.Fail(Name, $"the folder {input} does not exist (pass the folder that holds the plugin assemblies)");
        }

        if (inPlace == (output is not null))
        {
            return context.Fail(Name, inPlace
                ? "pass either --out DIR or --in-place, not both"
                : "pass --out DIR (where the rewritten folder goes) or --in-place (rewrite the folder itself)");
        }

        if (output is not null && Path.GetFullPath(output).TrimEnd('/') == Path.GetFullPath(input).TrimEnd('/'))
        {
            return context.Fail(Name, $"--out {output} is the input folder; pass --in-place to rewrite it in place");
        }

        if (shimPath is not null && !File.Exists(shimPath))
        {
            return context.Fail(Name, $"the Shim assembly {shimPath} does not exist (pass the PrivSep.Shim.dll to rewrite against, or omit --shim)");
        }

        if (strongNameKeyPath is not null && !File.Exists(strongNameKeyPath))
        {
            return context.Fail(Name, $"the strong-name key {strongNameKeyPath} does not exist (pass the .snk the assemblies were signed with, or omit --strong-name-key)");
        }

        using ECDsa? signingKey = LoadKey(context, signKeyPath, out int keyError);
        if (keyError != ExitCodes.Success)
        {
            return keyError;
        }

        int assemblyCount = ManifestPaths.EnumerateAssemblies(input).Count;
        IProgress<string>? progress = !json && assemblyCount >= StderrProgress.Threshold ? new StderrProgress(context.Error) : null;
        string outputDirectory = inPlace ? input : output!;
        FolderRewriteResult result;
        try
        {
            result = context.Engine.Rewrite(new RewriteOptions(input, inPlace ? null : output, inPlace, shimPath, strongNameKeyPath, progress));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or BadImageFormatException or ArgumentException)
        {
            return context.Fail(Name, e.Message);
        }

        ECDsa? keyToSign = result.HasErrors ? null : signingKey;
        RewriteManifest manifest;
        try
        {
            manifest = FolderFiles.Pin(RuntimeFiles.Pin(RewriteManifest.From(result), outputDirectory), outputDirectory, result.OtherFiles);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return context.Fail(Name, $"cannot pin the files of {outputDirectory}: {e.Message} (a signed folder holds only regular files; replace a symbolic link with the file it points to)");
        }

        byte[] manifestBytes;
        try
        {
            manifestBytes = ManifestSigner.Write(outputDirectory, manifest, keyToSign);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return context.Fail(Name, $"cannot write {Path.Combine(outputDirectory, ManifestPaths.ManifestFileName)}: {e.Message}");
        }

        // Check what was signed the way a host will: a stray assembly in the output folder would make every host refuse it.
        IReadOnlyList<string> selfCheckProblems = keyToSign is null ? [] : ManifestVerifier.VerifyFolder(outputDirectory, keyToSign).Problems;

        if (json)
        {
            context.Out.Write(Encoding.UTF8.GetString(manifestBytes));
        }
        else
        {
            foreach (RewriteDiagnostic diagnostic in result.Diagnostics)
            {
                context.Out.WriteLine(diagnostic.ToString());
            }

            PrintSummary(context.Out, result, manifest, outputDirectory, keyToSign is not null, signKeyPath);
        }

        foreach (string problem in selfCheckProblems)
        {
            context.Error.WriteLine($"privsep rewrite: {outputDirectory}: {problem}");
        }

        return result.HasErrors || selfCheckProblems.Count > 0 ? ExitCodes.Findings : ExitCodes.Success;
    }

    private static ECDsa? LoadKey(CliContext context, string? signKeyPath, out int exitCode)
    {
        exitCode = ExitCodes.Success;
        if (signKeyPath is null)
        {
            return null;
        }

        try
        {
            return ManifestKeys.LoadPrivate(signKeyPath);
        }
        catch (ManifestException e)
        {
            exitCode = context.Fail("rewrite", e.Message);
            return null;
        }
    }

    private static void PrintSummary(TextWriter output, FolderRewriteResult result, RewriteManifest manifest, string outputDirectory, bool signed, string? signKeyPath)
    {
        int changed = result.Assemblies.Count(a => a.Changed);
        int already = result.Assemblies.Count(a => a.AlreadyRewritten);
        int callSites = result.Assemblies.Sum(a => a.Rewrites.Count);
        int errors = result.Diagnostics.Count(d => d.Severity == DiagnosticSeverity.Error);
        int warnings = result.Diagnostics.Count(d => d.Severity == DiagnosticSeverity.Warning);
        output.WriteLine($"rewrote {callSites} call sites in {changed} of {result.Assemblies.Count} assemblies ({already} already rewritten, left as they were); {manifest.Runtime.Count} runtime files placed; {manifest.Files.Count} files pinned; {errors} errors, {warnings} warnings");
        string manifestPath = Path.Combine(outputDirectory, ManifestPaths.ManifestFileName);
        output.WriteLine(signed
            ? $"manifest: {manifestPath}, signed with {signKeyPath} into {ManifestPaths.SignatureFileName}"
            : result.HasErrors
                ? $"manifest: {manifestPath}, NOT signed because of the errors above; fix them and rewrite again"
                : $"manifest: {manifestPath}, NOT signed (pass --sign-key KEY.pem); privsep verify and hosts refuse an unsigned folder");
    }
}

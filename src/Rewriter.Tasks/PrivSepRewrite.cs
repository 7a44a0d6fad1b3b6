using System.Text.RegularExpressions;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace PrivSep.Rewriter.Tasks;

/// <summary>
/// Runs <c>privsep rewrite</c> out of process (the CLI carries Mono.Cecil; loading it inside MSBuild could clash with
/// another task's copy), then reports the manifest's diagnostics as MSBuild errors and warnings. Incrementality is the
/// targets' job (a stamp file); this task always runs the tool when called.
/// </summary>
public sealed partial class PrivSepRewrite : ToolTask
{
    /// <summary>The privsep CLI's own exit code for "usage or input error" (see the CLI's ExitCodes).</summary>
    private const int UsageErrorExitCode = 2;

    /// <summary>The task's own diagnostic ID: the tool failed without reporting a PS diagnostic (bad key, missing folder, …).</summary>
    public const string ToolFailedId = "PS9001";

    private readonly List<string> toolOutput = [];

    /// <summary>The folder to rewrite.</summary>
    [Required]
    public string InputDirectory { get; set; } = string.Empty;

    /// <summary>Where the rewritten folder goes; empty to rewrite <see cref="InputDirectory"/> in place.</summary>
    public string? OutputDirectory { get; set; }

    /// <summary><c>privsep.dll</c> (run with the dotnet host) or a <c>privsep</c> executable.</summary>
    [Required]
    public string PrivSepPath { get; set; } = string.Empty;

    /// <summary>The private key (PEM, from <c>privsep keygen</c>) to sign the manifest with; empty for an unsigned manifest.</summary>
    public string? SignKey { get; set; }

    /// <summary>The PrivSep.Shim.dll whose catalog to rewrite against; empty for the Shim beside the tool.</summary>
    public string? ShimPath { get; set; }

    /// <summary>The dotnet host; empty for DOTNET_HOST_PATH (set by the dotnet CLI for MSBuild) or dotnet on PATH.</summary>
    public string? DotnetHostPath { get; set; }

    /// <summary>The number of error diagnostics the rewrite reported.</summary>
    [Output]
    public int ErrorCount { get; private set; }

    protected override string ToolName => RunsWithDotnetHost ? "dotnet" : Path.GetFileName(PrivSepPath);

    private bool RunsWithDotnetHost => PrivSepPath.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);

    private string ManifestFolder => string.IsNullOrEmpty(OutputDirectory) ? InputDirectory : OutputDirectory;

    private string ManifestPath => Path.Combine(ManifestFolder, "privsep.manifest.json");

    protected override MessageImportance StandardOutputLoggingImportance => MessageImportance.Normal;

    protected override MessageImportance StandardErrorLoggingImportance => MessageImportance.Normal;

    protected override bool ValidateParameters()
    {
        if (!File.Exists(PrivSepPath))
        {
            Log.LogError(null, ToolFailedId, null, null, 0, 0, 0, 0, "The privsep tool {0} does not exist (set PrivSepToolPath to privsep.dll or to a privsep executable).", PrivSepPath);
            return false;
        }

        if (!string.IsNullOrEmpty(SignKey) && !File.Exists(SignKey))
        {
            Log.LogError(null, ToolFailedId, null, null, 0, 0, 0, 0, "The signing key {0} does not exist (PrivSepSignKey or the PRIVSEP_SIGN_KEY environment variable names a PEM file from privsep keygen).", SignKey);
            return false;
        }

        return base.ValidateParameters();
    }

    protected override string GenerateFullPathToTool()
    {
        if (!RunsWithDotnetHost)
        {
            return Path.GetFullPath(PrivSepPath);
        }

        string? host = string.IsNullOrEmpty(DotnetHostPath) ? Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") : DotnetHostPath;
        if (!string.IsNullOrEmpty(host) && File.Exists(host))
        {
            return host;
        }

        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(directory, "dotnet");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return "dotnet";
    }

    protected override string GenerateCommandLineCommands()
    {
        var builder = new CommandLineBuilder();
        if (RunsWithDotnetHost)
        {
            builder.AppendFileNameIfNotNull(Path.GetFullPath(PrivSepPath));
        }

        builder.AppendSwitch("rewrite");
        builder.AppendFileNameIfNotNull(Path.GetFullPath(InputDirectory));
        if (string.IsNullOrEmpty(OutputDirectory))
        {
            builder.AppendSwitch("--in-place");
        }
        else
        {
            builder.AppendSwitchIfNotNull("--out ", Path.GetFullPath(OutputDirectory));
        }

        if (!string.IsNullOrEmpty(SignKey))
        {
            builder.AppendSwitchIfNotNull("--sign-key ", Path.GetFullPath(SignKey));
        }

        if (!string.IsNullOrEmpty(ShimPath))
        {
            builder.AppendSwitchIfNotNull("--shim ", Path.GetFullPath(ShimPath));
        }

        return builder.ToString();
    }

    protected override int ExecuteTool(string pathToTool, string responseFileCommands, string commandLineCommands)
    {
        // A manifest left by an earlier run must not be mistaken for this run's.
        if (File.Exists(ManifestPath))
        {
            File.Delete(ManifestPath);
        }

        int exitCode = base.ExecuteTool(pathToTool, responseFileCommands, commandLineCommands);
        if (exitCode != UsageErrorExitCode && File.Exists(ManifestPath))
        {
            ErrorCount = RewriteDiagnosticLogger.Log(Log, ManifestPath, Path.GetFullPath(InputDirectory)) ?? 0;
        }

        return exitCode;
    }

    protected override void LogEventsFromTextOutput(string singleLine, MessageImportance messageImportance)
    {
        // Diagnostic lines are reported from the manifest with their codes and locations; the rest (summary, stderr) is kept
        // for the failure message and shown as messages, never parsed as canonical errors a second time.
        if (DiagnosticLine().IsMatch(singleLine))
        {
            Log.LogMessage(MessageImportance.Low, "{0}", singleLine);
            return;
        }

        toolOutput.Add(singleLine);
        Log.LogMessage(messageImportance, "{0}", singleLine);
    }

    protected override bool HandleTaskExecutionErrors()
    {
        if (ErrorCount > 0 || Log.HasLoggedErrors)
        {
            return false;
        }

        string detail = toolOutput.Count == 0 ? "no output" : string.Join(Environment.NewLine, toolOutput);
        Log.LogError(null, ToolFailedId, null, InputDirectory, 0, 0, 0, 0, "privsep rewrite failed with exit code {0}: {1}", ExitCode, detail);
        return false;
    }

    [GeneratedRegex(@": (error|warning|info) PS\d{4}: ", RegexOptions.CultureInvariant)]
    private static partial Regex DiagnosticLine();
}

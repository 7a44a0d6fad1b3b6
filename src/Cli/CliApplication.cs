using System.CommandLine;
using PrivSep.Cli.Commands;

namespace PrivSep.Cli;

/// <summary>
/// The <c>privsep</c> command line: a thin driver over the rewriter engine, the manifest layer and the broker's policy
/// engine and audit verifier. Runs in-process with any writers, so tests see exactly what a user would.
/// </summary>
internal static class CliApplication
{
    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr) =>
        RunAsync(args, stdout, stderr, new FolderRewriterEngine());

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, IRewriteEngine engine, CancellationToken cancellationToken = default)
    {
        var context = new CliContext(stdout, stderr, engine);
        RootCommand root = CreateRootCommand(context);
        ParseResult parseResult = root.Parse(args);

        // System.CommandLine answers usage errors with exit code 1, which privsep keeps for findings.
        if (parseResult.Errors.Count > 0)
        {
            foreach (var error in parseResult.Errors)
            {
                stderr.WriteLine($"{CommandPath(parseResult)}: {error.Message}");
            }

            stderr.WriteLine($"Run '{CommandPath(parseResult)} --help' for usage.");
            return ExitCodes.UsageError;
        }

        return await parseResult.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr }, cancellationToken).ConfigureAwait(false);
    }

    public static RootCommand CreateRootCommand(CliContext context)
    {
        var audit = new Command("audit", "Checks the broker's audit log.") { AuditVerifyCommand.Create(context) };
        var policy = new Command("policy", "Checks a broker policy.") { PolicyCheckCommand.Create(context) };
        return new RootCommand(
            "privsep: rewrites .NET plugin folders so their privileged calls go through the PrivSep broker, signs and verifies the manifest, and checks broker policies and audit logs. "
            + "Exit codes: 0 success, 1 findings (errors, verification failed, denied), 2 usage or input error.")
        {
            RewriteCommand.Create(context),
            ScanCommand.Create(context),
            VerifyCommand.Create(context),
            KeygenCommand.Create(context),
            CatalogCommand.Create(context),
            audit,
            policy,
        };
    }

    private static string CommandPath(ParseResult parseResult)
    {
        var names = new List<string>();
        for (var result = parseResult.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Add(result.Command is RootCommand ? "privsep" : result.Command.Name);
        }

        names.Reverse();
        return string.Join(' ', names);
    }
}

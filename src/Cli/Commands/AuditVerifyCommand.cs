using System.CommandLine;
using PrivSep.Broker.Audit;

namespace PrivSep.Cli.Commands;

/// <summary>
/// <c>privsep audit verify LOG...</c>: the broker's own chain verifier, over one log, the files given (oldest first),
/// or with <c>--series</c> the live log and every file rotated out of it; and the head file.
/// </summary>
internal static class AuditVerifyCommand
{
    public static Command Create(CliContext context)
    {
        var logArgument = new Argument<string[]>("log")
        {
            Description = "The broker's audit log (hash-chained JSONL); several files are checked as one chain in the order given, oldest first.",
            Arity = ArgumentArity.OneOrMore,
        };
        var seriesOption = new Option<bool>("--series")
        {
            Description = "Check LOG and every file rotated out of it (LOG.* beside it but LOG.head, by logrotate or the broker), ordered by their first seq.",
        };
        var wholeOption = new Option<bool>("--whole")
        {
            Description = "Require the chain to start at seq 1: a chain starting at an audit.rotate line (older files removed) is a problem.",
        };
        var headOption = new Option<string?>("--head") { Description = "The head file holding the newest line's hash (default: the last LOG + .head).", HelpName = "FILE" };
        var command = new Command(
            "verify",
            "Checks the audit log's hash chain (sequence numbers, each line's hash of the line before, across rotated files) and its head file "
            + "(so cut-off lines are detected). Exit 0 valid, 1 problems (printed with file and line numbers), 2 missing log.")
        {
            logArgument, seriesOption, wholeOption, headOption,
        };
        command.SetAction((parseResult, _) => Task.FromResult(Run(
            context, parseResult.GetValue(logArgument)!, parseResult.GetValue(seriesOption), parseResult.GetValue(wholeOption), parseResult.GetValue(headOption))));
        return command;
    }

    private static int Run(CliContext context, string[] logPaths, bool series, bool whole, string? headPath)
    {
        if (series && logPaths.Length != 1)
        {
            return context.Fail("audit verify", "--series takes one LOG, the live log whose rotated files lie beside it");
        }

        if (logPaths.FirstOrDefault(path => !File.Exists(path)) is { } missing && !(series && AuditLogSeries.Discover(missing).Count > 0))
        {
            return context.Fail("audit verify", $"the log {missing} does not exist (the broker writes it where --audit-log says; default /var/log/privsep/audit.jsonl)");
        }

        string name = logPaths[^1];
        IReadOnlyList<string> files = series ? AuditLogSeries.Discover(name) : logPaths;
        headPath ??= name + ".head";
        AuditVerificationResult result = AuditChainVerifier.VerifySeries(files, headPath);
        if (whole && result.FirstSequence > 1)
        {
            result = result with
            {
                IsValid = false,
                Problems = [new AuditProblem(0, $"the chain starts at seq {result.FirstSequence}, not 1 (--whole): the files holding seq 1 to {result.FirstSequence - 1} were removed or not given"), .. result.Problems],
            };
        }

        string span = files.Count == 1 ? "" : $" in {files.Count} files";
        if (result.IsValid)
        {
            string start = result.FirstSequence > 1
                ? $" (the chain starts at seq {result.FirstSequence}, an audit.rotate line: older files were removed or not given)"
                : "";
            context.Out.WriteLine($"{name}: valid — {result.LineCount} lines{span}, last seq {result.LastSequence}, chain and head file intact{start}");
            return ExitCodes.Success;
        }

        foreach (AuditProblem problem in result.Problems)
        {
            string description = problem.LineNumber > 0 && !problem.Description.StartsWith("line ", StringComparison.Ordinal)
                && !problem.Description.StartsWith("the first line ", StringComparison.Ordinal)
                ? $"line {problem.LineNumber}: {problem.Description}"
                : problem.Description;
            context.Out.WriteLine($"{name}: {description}");
        }

        context.Out.WriteLine($"{name}: INVALID — {result.Problems.Count} problem(s) in {result.LineCount} lines{span}");
        return ExitCodes.Findings;
    }
}

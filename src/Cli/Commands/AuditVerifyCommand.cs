using System.CommandLine;
using PrivSep.Broker.Audit;

namespace PrivSep.Cli.Commands;

/// <summary><c>privsep audit verify LOG</c>: the broker's own chain verifier, over the log and its head file.</summary>
internal static class AuditVerifyCommand
{
    public static Command Create(CliContext context)
    {
        var logArgument = new Argument<string>("log") { Description = "The broker's audit log (hash-chained JSONL)." };
        var headOption = new Option<string?>("--head") { Description = "The head file holding the newest line's hash (default: LOG.head).", HelpName = "FILE" };
        var command = new Command(
            "verify",
            "Checks the audit log's hash chain (sequence numbers, each line's hash of the line before) and its head file (so cut-off lines are detected). "
            + "Exit 0 valid, 1 problems (printed with line numbers), 2 missing log.")
        {
            logArgument, headOption,
        };
        command.SetAction((parseResult, _) => Task.FromResult(Run(context, parseResult.GetValue(logArgument)!, parseResult.GetValue(headOption))));
        return command;
    }

    private static int Run(CliContext context, string logPath, string? headPath)
    {
        if (!File.Exists(logPath))
        {
            return context.Fail("audit verify", $"the log {logPath} does not exist (the broker writes it where --audit-log says; default /var/log/privsep/audit.jsonl)");
        }

        AuditVerificationResult result = AuditChainVerifier.Verify(logPath, headPath);
        if (result.IsValid)
        {
            context.Out.WriteLine($"{logPath}: valid — {result.LineCount} lines, last seq {result.LastSequence}, chain and head file intact");
            return ExitCodes.Success;
        }

        foreach (AuditProblem problem in result.Problems)
        {
            string description = problem.LineNumber > 0 && !problem.Description.StartsWith("line ", StringComparison.Ordinal)
                ? $"line {problem.LineNumber}: {problem.Description}"
                : problem.Description;
            context.Out.WriteLine($"{logPath}: {description}");
        }

        context.Out.WriteLine($"{logPath}: INVALID — {result.Problems.Count} problem(s) in {result.LineCount} lines");
        return ExitCodes.Findings;
    }
}

using System.CommandLine;
using PrivSep.Rewriter;
using PrivSep.Rewriter.Catalog;
using PrivSep.Rewriter.Model;

namespace PrivSep.Cli.Commands;

/// <summary>
/// <c>privsep catalog [--coverage [--json | --markdown]] [--shim PATH]</c>: the Shim's catalog as the rewriter reads it
/// (every [Replaces] entry), or with <c>--coverage</c> how much of the .NET file-system surface it replaces
/// (<see cref="CatalogCoverage"/>). docs/catalog-coverage.md is the <c>--markdown</c> output (scripts/catalog-coverage.sh).
/// </summary>
internal static class CatalogCommand
{
    public static Command Create(CliContext context)
    {
        var coverageOption = new Option<bool>("--coverage") { Description = "Measure the catalog against every public member of the .NET file-system types that touches the disk by path: replaced N of M, per type, and the lists (not replaced, with why)." };
        var jsonOption = new Option<bool>("--json") { Description = "With --coverage: print the report as JSON, and nothing else." };
        var markdownOption = new Option<bool>("--markdown") { Description = "With --coverage: print the report as Markdown (docs/catalog-coverage.md)." };
        var shimOption = new Option<string?>("--shim") { Description = "The PrivSep.Shim.dll whose [Replaces] members are the catalog (default: the Shim beside privsep).", HelpName = "PATH" };
        var command = new Command(
            "catalog",
            "Lists the Shim's catalog (each replaced BCL member and its replacement), or with --coverage which members of the .NET file-system types that touch the disk by path it replaces and which not, with why. "
            + "Exit 0 done, 1 the catalog is invalid or a member is not classified, 2 usage or input error.")
        {
            coverageOption, jsonOption, markdownOption, shimOption,
        };
        command.SetAction((parseResult, _) => Task.FromResult(Run(
            context,
            parseResult.GetValue(coverageOption),
            parseResult.GetValue(jsonOption),
            parseResult.GetValue(markdownOption),
            parseResult.GetValue(shimOption))));
        return command;
    }

    private static int Run(CliContext context, bool coverage, bool json, bool markdown, string? shimPath)
    {
        const string Name = "catalog";
        if ((json || markdown) && !coverage)
        {
            return context.Fail(Name, "--json and --markdown format the coverage report: pass --coverage too");
        }

        if (json && markdown)
        {
            return context.Fail(Name, "pass either --json or --markdown, not both");
        }

        if (shimPath is not null && !File.Exists(shimPath))
        {
            return context.Fail(Name, $"the Shim assembly {shimPath} does not exist (pass the PrivSep.Shim.dll to measure, or omit --shim)");
        }

        ShimCatalog catalog;
        try
        {
            catalog = ShimCatalog.Load(shimPath ?? ShimLocator.DefaultShimPath);
        }
        catch (ShimCatalogException e)
        {
            foreach (RewriteDiagnostic diagnostic in e.Diagnostics)
            {
                context.Error.WriteLine(diagnostic.ToString());
            }

            return ExitCodes.Findings;
        }
        catch (DirectoryNotFoundException e)
        {
            return context.Fail(Name, e.Message);
        }

        if (!coverage)
        {
            foreach (CatalogEntry entry in catalog.Entries)
            {
                context.Out.WriteLine($"{entry.OriginalId} -> {entry.ReplacementId}");
            }

            context.Out.WriteLine($"{catalog.Entries.Count} members replaced by {catalog.ShimAssemblyPath}");
            return ExitCodes.Success;
        }

        CatalogCoverage report = CatalogCoverage.Measure(catalog);
        if (json)
        {
            CoverageReport.WriteJson(context.Out, report);
        }
        else if (markdown)
        {
            CoverageReport.WriteMarkdown(context.Out, report);
        }
        else
        {
            CoverageReport.WriteText(context.Out, report);
        }

        if (report.Unclassified.Count > 0)
        {
            context.Error.WriteLine($"privsep catalog: {report.Unclassified.Count} members of the reference assemblies are not classified, so the figure is incomplete; add a rule or an exception for each to src/Rewriter/Catalog/FileSystemSurface.json: {string.Join(", ", report.Unclassified)}");
            return ExitCodes.Findings;
        }

        return ExitCodes.Success;
    }
}

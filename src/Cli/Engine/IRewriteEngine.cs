using PrivSep.Rewriter.Model;

namespace PrivSep.Cli;

/// <summary>The rewriting engine as the CLI uses it: a seam so commands can be tested without rewriting real assemblies.</summary>
internal interface IRewriteEngine
{
    string ToolVersion { get; }

    FolderRewriteResult Rewrite(RewriteOptions options);

    FolderRewriteResult Scan(string inputDirectory, string? shimAssemblyPath);
}

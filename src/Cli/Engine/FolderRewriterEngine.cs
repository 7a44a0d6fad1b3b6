using PrivSep.Rewriter;
using PrivSep.Rewriter.Model;

namespace PrivSep.Cli;

/// <summary>The real engine: PrivSep.Rewriter's <see cref="FolderRewriter"/>.</summary>
internal sealed class FolderRewriterEngine : IRewriteEngine
{
    public string ToolVersion => FolderRewriter.ToolVersion;

    public FolderRewriteResult Rewrite(RewriteOptions options) => FolderRewriter.Rewrite(options);

    public FolderRewriteResult Scan(string inputDirectory, string? shimAssemblyPath) => FolderRewriter.Scan(inputDirectory, shimAssemblyPath);
}

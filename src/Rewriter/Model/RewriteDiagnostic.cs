namespace PrivSep.Rewriter.Model;

public enum DiagnosticSeverity
{
    Info,
    Warning,
    Error,
}

/// <summary>
/// Something the rewriter could not redirect or refused, with a stable id (PS1xxx) and, where a PDB exists, the
/// source location — formatted the way MSBuild and IDEs read diagnostics.
/// </summary>
public sealed record RewriteDiagnostic(
    string Id,
    DiagnosticSeverity Severity,
    string Message,
    string? Assembly = null,
    string? Method = null,
    string? SourceFile = null,
    int? Line = null,
    int? Column = null)
{
    /// <summary><c>file(line,col): warning PS1001: message [method]</c>, or the assembly in place of the file when no PDB says where.</summary>
    public override string ToString()
    {
        string location = this.SourceFile is null ? (this.Assembly ?? "privsep") : this.Line is null ? this.SourceFile : $"{this.SourceFile}({this.Line},{this.Column ?? 1})";
        string severity = this.Severity switch { DiagnosticSeverity.Error => "error", DiagnosticSeverity.Warning => "warning", _ => "info" };
        return this.Method is null ? $"{location}: {severity} {this.Id}: {this.Message}" : $"{location}: {severity} {this.Id}: {this.Message} [{this.Method}]";
    }
}

using System.Globalization;
using System.Text;

namespace PrivSep.Bench.Figures;

/// <summary>One line of the result table. <see cref="Met"/> is null where a figure has no target.</summary>
internal sealed record ResultRow(string Figure, string Median, string P90, string Baseline, string Ratio, string Target, bool? Met);

/// <summary>The rows of the run, rendered as Markdown: the figures, then the diagnostics that explain them.</summary>
internal sealed class ResultTable
{
    private readonly List<ResultRow> figures = [];
    private readonly List<(string Name, string Value)> diagnostics = [];

    /// <summary>Set when other processes took a noticeable share of the CPU during the run.</summary>
    public string? QuietMachineWarning { get; set; }

    public void Add(ResultRow row) => this.figures.Add(row);

    public void Diagnostic(string name, string value) => this.diagnostics.Add((name, value));

    public string ToMarkdown()
    {
        var text = new StringBuilder();
        if (this.QuietMachineWarning is { } warning)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"> **Warning:** {warning}");
            text.AppendLine();
        }

        text.AppendLine("| figure | median | p90 | baseline (median) | ratio | target | met? |");
        text.AppendLine("|---|---:|---:|---:|---:|---|---|");
        // In figure order (memory, figure 5, is read first and last); OrderBy is stable within a figure.
        foreach (var row in this.figures.OrderBy(r => r.Figure[0]))
        {
            string met = row.Met switch { true => "yes", false => "**no**", null => "—" };
            text.AppendLine(CultureInfo.InvariantCulture, $"| {row.Figure} | {row.Median} | {row.P90} | {row.Baseline} | {row.Ratio} | {row.Target} | {met} |");
        }

        if (this.diagnostics.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("| diagnostic | value |");
            text.AppendLine("|---|---|");
            foreach (var (name, value) in this.diagnostics)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {value} |");
            }
        }

        return text.ToString();
    }

    public static string Micros(double value) => value >= 1000
        ? value.ToString("#,0", CultureInfo.InvariantCulture) + " µs"
        : value.ToString("0.0", CultureInfo.InvariantCulture) + " µs";

    public static string Ratio(double value) => value.ToString("0.00", CultureInfo.InvariantCulture) + "×";

    public static string Number(double value, string format = "#,0") => value.ToString(format, CultureInfo.InvariantCulture);
}

using MonitoringAgent.Contracts;

namespace MonitoringAgent;

/// <summary>One result of one round.</summary>
internal sealed record RoundResult(int Round, string Plugin, CheckResult Result);

/// <summary>
/// The demo's table: plugin, action, outcome (allowed by broker / denied by broker rule X / blocked by kernel). Round 1 is
/// shown whole; later rounds only where a row changed, so a stateful plugin's progress shows without repeating the rest.
/// </summary>
internal static class OutcomeTable
{
    public static string Classify(CheckResult result, bool routedToBroker)
    {
        if (result.Ok)
        {
            return routedToBroker ? "allowed by broker" : "allowed";
        }

        string message = result.ErrorMessage ?? string.Empty;
        const string PolicyMarker = "denied by the PrivSep broker policy (";
        int at = message.IndexOf(PolicyMarker, StringComparison.Ordinal);
        if (at >= 0)
        {
            string rule = message[(at + PolicyMarker.Length)..];
            int close = rule.LastIndexOf(')');
            return $"denied by broker rule {(close >= 0 ? rule[..close] : rule)}";
        }

        if (message.Contains("PrivSep broker", StringComparison.Ordinal))
        {
            return $"denied by broker: {message}";
        }

        // Never reached the broker (not rewritten: reflection, P/Invoke): the kernel refused the agent's own attempt.
        if (result.ErrorType is nameof(UnauthorizedAccessException) or nameof(PlatformNotSupportedException) or "PingException" or "EPERM" or "EACCES")
        {
            return $"blocked by kernel ({result.ErrorType})";
        }

        return $"failed: {result.ErrorType}: {message}";
    }

    public static void Print(IReadOnlyList<RoundResult> results, bool routedToBroker, TextWriter output)
    {
        var rows = new List<string[]>();
        var previous = new Dictionary<(string, string), (string Outcome, string Detail)>();
        foreach (var r in results)
        {
            string outcome = Classify(r.Result, routedToBroker);
            var key = (r.Plugin, r.Result.Action);
            bool changed = !previous.TryGetValue(key, out var before) || before != (outcome, r.Result.Detail);
            previous[key] = (outcome, r.Result.Detail);
            if (r.Round == 1 || changed)
            {
                rows.Add([r.Round.ToString(System.Globalization.CultureInfo.InvariantCulture), r.Plugin, r.Result.Action, outcome, r.Result.Ok ? r.Result.Detail : string.Empty]);
            }
        }

        // Paths on a monitored host that is not "/" (the demo's temporary host) are shown as on the host itself.
        string root = HostPaths.Root.TrimEnd('/');
        if (root.Length > 0)
        {
            rows = [.. rows.Select(row => row.Select(cell => cell.Replace(root + "/", "/", StringComparison.Ordinal)).ToArray())];
            output.WriteLine($"(paths below are on the monitored host, MONITOR_HOST_ROOT={root})");
        }

        string[] header = ["round", "plugin", "action", "outcome", "detail"];
        int[] widths = [.. header.Select((h, i) => rows.Select(row => row[i].Length).Append(h.Length).Max())];
        string Line(string[] cells) => string.Join("  ", cells.Select((c, i) => i == cells.Length - 1 ? c : c.PadRight(widths[i]))).TrimEnd();
        output.WriteLine(Line(header));
        output.WriteLine(Line([.. widths.Select(w => new string('-', w))]));
        foreach (var row in rows)
        {
            output.WriteLine(Line(row));
        }

        if (results.Any(r => r.Round > 1))
        {
            output.WriteLine("(rounds after the first: only the rows that changed)");
        }
    }
}

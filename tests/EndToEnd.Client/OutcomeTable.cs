/// <summary>The demo's summary: each attempt, and who allowed or blocked it.</summary>
internal static class OutcomeTable
{
    public static void Print(IReadOnlyList<Dictionary<string, object?>> results)
    {
        var rows = results.Select(r => (Action: Describe(r), Outcome: Classify(r))).ToList();
        int width = Math.Max(6, rows.Max(r => r.Action.Length));
        Console.WriteLine($"{"action".PadRight(width)}  outcome");
        Console.WriteLine($"{new string('-', width)}  {new string('-', 40)}");
        foreach (var (action, outcome) in rows)
        {
            Console.WriteLine($"{action.PadRight(width)}  {outcome}");
        }
    }

    private static string Describe(Dictionary<string, object?> result)
    {
        string command = (string)result["command"]!;
        string verb = command.StartsWith("direct-", StringComparison.Ordinal) ? command["direct-".Length..] + " (without the broker)" : command;
        return $"{verb} {result["target"]}";
    }

    private static string Classify(Dictionary<string, object?> result)
    {
        bool direct = ((string)result["command"]!).StartsWith("direct-", StringComparison.Ordinal);
        if (result["ok"] is true)
        {
            return direct ? $"allowed by the kernel: {result["value"]}" : $"allowed by broker ({Shorten(result["value"])})";
        }

        string message = result["message"] as string ?? string.Empty;
        const string PolicyMarker = "denied by the PrivSep broker policy (";
        int at = message.IndexOf(PolicyMarker, StringComparison.Ordinal);
        if (at >= 0)
        {
            string rule = message[(at + PolicyMarker.Length)..];
            return $"denied by broker rule {rule[..rule.LastIndexOf(')')]}";
        }

        if (message.Contains("PrivSep broker", StringComparison.Ordinal) || message.Contains("broker's own", StringComparison.Ordinal))
        {
            return $"denied by broker: {message}";
        }

        return direct ? $"blocked by kernel ({result["error"]})" : $"failed: {result["error"]}: {message}";
    }

    private static string Shorten(object? value)
    {
        string text = (value as string ?? string.Empty).ReplaceLineEndings(" ").Trim();
        return text.Length <= 40 ? text : text[..40] + "…";
    }
}

namespace PrivSep.Broker.Policy;

/// <summary>
/// A policy that cannot be loaded. The message is written for the operator who edits the file:
/// it names the file, the 1-based line and column when the problem has a place, what is wrong and
/// how to fix it, e.g. <c>policy.json(7,5): unknown key 'raed' in 'files' (expected read, write, deny)</c>.
/// </summary>
public sealed class PolicyException : Exception
{
    public PolicyException(string message)
        : base(message)
    {
    }

    public PolicyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal PolicyException(string sourceName, int line, int column, string problem, Exception? innerException = null)
        : base($"{sourceName}({line},{column}): {problem}", innerException)
    {
        SourceName = sourceName;
        Line = line;
        Column = column;
    }

    /// <summary>The file (or other source) the policy came from, when known.</summary>
    public string? SourceName { get; }

    /// <summary>1-based line of the problem, or 0 when it concerns the whole file (e.g. it cannot be read).</summary>
    public int Line { get; }

    /// <summary>1-based column of the problem, or 0 when it concerns the whole file.</summary>
    public int Column { get; }
}

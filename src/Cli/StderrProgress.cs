namespace PrivSep.Cli;

/// <summary>Progress lines written straight to stderr, in order (Progress&lt;T&gt; would post them to the thread pool).</summary>
internal sealed class StderrProgress(TextWriter error) : IProgress<string>
{
    /// <summary>Folders with fewer assemblies finish before progress would help.</summary>
    public const int Threshold = 20;

    public void Report(string value)
    {
        lock (error)
        {
            error.WriteLine(value);
        }
    }
}

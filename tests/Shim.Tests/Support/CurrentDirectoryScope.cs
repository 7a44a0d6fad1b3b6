namespace PrivSep.Shim.Tests.Support;

/// <summary>Changes the process's current directory for one test and puts the previous one back.</summary>
internal sealed class CurrentDirectoryScope : IDisposable
{
    private readonly string previous = Directory.GetCurrentDirectory();

    public CurrentDirectoryScope(string directory)
    {
        Directory.SetCurrentDirectory(directory);
    }

    public void Dispose() => Directory.SetCurrentDirectory(this.previous);
}

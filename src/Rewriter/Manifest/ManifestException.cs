namespace PrivSep.Rewriter.Manifest;

/// <summary>A manifest, signature or key that cannot be used. The message names the file and, where there is one, the fix.</summary>
public sealed class ManifestException : Exception
{
    public ManifestException(string message)
        : base(message)
    {
    }

    public ManifestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

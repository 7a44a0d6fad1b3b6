namespace PrivSep.Rewriter;

/// <summary>Where the default Shim is: PrivSep.Shim.dll beside PrivSep.Rewriter.dll (the project reference copies it there).</summary>
public static class ShimLocator
{
    public const string ShimFileName = "PrivSep.Shim.dll";

    public static string DefaultShimPath
    {
        get
        {
            string location = typeof(ShimLocator).Assembly.Location;
            string directory = location.Length > 0 ? Path.GetDirectoryName(location)! : AppContext.BaseDirectory;
            return Path.Combine(directory, ShimFileName);
        }
    }
}

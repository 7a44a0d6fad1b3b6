namespace PrivSep.EndToEnd.Tests.Fixture;

/// <summary>The dotnet muxer that runs this test, so both child processes use the same runtime.</summary>
internal static class DotnetHost
{
    public static string Path
    {
        get
        {
            string? fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk))
            {
                return fromSdk;
            }

            string? self = Environment.ProcessPath;
            if (self is not null && System.IO.Path.GetFileNameWithoutExtension(self) == "dotnet")
            {
                return self;
            }

            return "/usr/bin/dotnet";
        }
    }
}

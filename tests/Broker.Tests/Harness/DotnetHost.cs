namespace PrivSep.Broker.Tests.Harness;

/// <summary>The dotnet muxer running these tests, so that the executables they start use the same runtime.</summary>
internal static class DotnetHost
{
    public static string Path =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } fromSdk && File.Exists(fromSdk) ? fromSdk
        : Environment.ProcessPath is { } self && System.IO.Path.GetFileNameWithoutExtension(self) == "dotnet" ? self
        : "/usr/bin/dotnet";
}

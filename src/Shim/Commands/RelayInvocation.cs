using System.Globalization;
using System.Runtime.InteropServices;
using PrivSep.Protocol;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Shim.Commands;

/// <summary>
/// How the Shim starts privsep-relay for a command the broker runs: the file to execute, its arguments
/// (<c>[--plugin NAME] [--stdin] -- PATH ARG…</c>, after the relay's dll when the dotnet host runs it) and the
/// variables the relay needs on top of the plugin's environment: where the broker is (the Shim's own settings, so relay
/// and agent talk to the same broker), and the agent's pid, so that the relay ends at once if the agent is already gone.
/// </summary>
internal sealed record RelayInvocation(string FileName, IReadOnlyList<string> Arguments, IReadOnlyDictionary<string, string> Environment)
{
    public const string ParentVariable = PrivSep.Protocol.ProtocolDefaults.RelayParentEnvironmentVariable;

    /// <param name="stdinRedirected">
    /// The plugin's <c>RedirectStandardInput</c>. Only then is the relay's stdin a pipe of the plugin's, to be relayed
    /// (<c>--stdin</c>); otherwise it is the agent's own stdin, which the relay must leave alone.
    /// </param>
    /// <exception cref="System.ComponentModel.Win32Exception">The relay (or the dotnet host for a relay dll) is not there.</exception>
    public static RelayInvocation For(ExecRequest command, bool stdinRedirected, ShimSettings settings, string? workingDirectory)
    {
        string relay = settings.RelayPath;
        if (!File.Exists(relay))
        {
            throw CommandStartFailure.RelayMissing(command.Path, workingDirectory, $"'{relay}' does not exist: install privsep-relay there or set {ShimSettings.RelayEnvironmentVariable} to its path.");
        }

        var arguments = new List<string>();
        string fileName = relay;
        if (relay.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            fileName = DotnetHost();
            if (!File.Exists(fileName))
            {
                throw CommandStartFailure.RelayMissing(command.Path, workingDirectory, $"the dotnet host '{fileName}' that would run '{relay}' does not exist: set DOTNET_HOST_PATH to it, or {ShimSettings.RelayEnvironmentVariable} to the privsep-relay executable.");
            }

            arguments.Add(relay);
        }

        if (!string.IsNullOrEmpty(command.Plugin))
        {
            arguments.Add("--plugin");
            arguments.Add(command.Plugin);
        }

        if (stdinRedirected)
        {
            arguments.Add("--stdin");
        }

        arguments.Add("--");
        arguments.Add(command.Path);
        arguments.AddRange(command.Arguments);

        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [ProtocolDefaults.SocketEnvironmentVariable] = settings.SocketPath,
            [ProtocolDefaults.SecretFileEnvironmentVariable] = settings.SecretFilePath,
            [ParentVariable] = System.Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
        };
        return new RelayInvocation(fileName, arguments, environment);
    }

    /// <summary>
    /// DOTNET_HOST_PATH when set (the SDK sets it for tools and tests), else the <c>dotnet</c> of the running runtime:
    /// the runtime directory is <c>ROOT/shared/Microsoft.NETCore.App/VERSION/</c>, three levels below the dotnet root.
    /// </summary>
    private static string DotnetHost()
    {
        if (System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } fromSdk)
        {
            return fromSdk;
        }

        string runtimeDirectory = RuntimeEnvironment.GetRuntimeDirectory().TrimEnd(Path.DirectorySeparatorChar);
        return Path.GetFullPath(Path.Combine(runtimeDirectory, "..", "..", "..", "dotnet"));
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;

namespace PrivSep.Shim.Client;

/// <summary>
/// Which plugin is asking, for the audit log. A host can name it explicitly around a plugin's work
/// (<see cref="Use"/>); otherwise it is the first assembly on the stack that is neither PrivSep nor the framework.
/// The broker records it as a claim: the uid it trusts comes from SO_PEERCRED.
/// </summary>
public static class PluginIdentity
{
    private static readonly AsyncLocal<string?> Ambient = new();
    private static readonly ConcurrentDictionary<Assembly, bool> InfrastructureAssemblies = new();

    /// <summary>Names the plugin for every broker request made in this async flow until the scope is disposed.</summary>
    public static IDisposable Use(string pluginName)
    {
        var previous = Ambient.Value;
        Ambient.Value = pluginName;
        return new Scope(previous);
    }

    internal static string? Current()
    {
        if (Ambient.Value is { } named)
        {
            return named;
        }

        // Only reached on the brokered (slow) path, so walking the stack is affordable here.
        foreach (var frame in new StackTrace(2, fNeedFileInfo: false).GetFrames())
        {
            var assembly = frame.GetMethod()?.DeclaringType?.Assembly;
            if (assembly is not null && !InfrastructureAssemblies.GetOrAdd(assembly, IsInfrastructure))
            {
                return assembly.GetName().Name;
            }
        }

        return Assembly.GetEntryAssembly()?.GetName().Name;
    }

    private static bool IsInfrastructure(Assembly assembly)
    {
        string name = assembly.GetName().Name ?? string.Empty;
        return name.StartsWith("PrivSep.Shim", StringComparison.Ordinal)
            || name.StartsWith("PrivSep.Protocol", StringComparison.Ordinal)
            || name.StartsWith("System.", StringComparison.Ordinal) || name == "System"
            || name.StartsWith("Microsoft.", StringComparison.Ordinal)
            || name == "StreamJsonRpc" || name == "mscorlib" || name == "netstandard";
    }

    private sealed class Scope(string? previous) : IDisposable
    {
        public void Dispose() => Ambient.Value = previous;
    }
}

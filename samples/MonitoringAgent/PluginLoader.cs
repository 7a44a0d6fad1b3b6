using System.Reflection;
using System.Runtime.Loader;
using MonitoringAgent.Contracts;
using PrivSep.Rewriter.Manifest;

namespace MonitoringAgent;

/// <summary>A loaded plugin: its instance and the context its assembly lives in.</summary>
internal sealed record LoadedPlugin(IMonitoringPlugin Plugin, string AssemblyFile);

/// <summary>
/// Loads plugins from a folder only after <see cref="ManifestVerifier.VerifyFolder(string, string)"/> accepted it: the manifest
/// is signed with the configured key and every file of the folder (assemblies, native libraries, anything) is listed with its hash. The plugin assemblies are the
/// manifest's (not whatever *.dll lies there); each goes into its own collectible <see cref="AssemblyLoadContext"/>.
/// </summary>
internal static class PluginLoader
{
    /// <exception cref="PluginFolderRejectedException">The folder does not verify; the message lists why.</exception>
    public static IReadOnlyList<LoadedPlugin> Load(string directory, string publicKeyPath, TextWriter log)
    {
        directory = Path.GetFullPath(directory);
        ManifestVerification verification;
        try
        {
            verification = ManifestVerifier.VerifyFolder(directory, publicKeyPath);
        }
        catch (ManifestException e)
        {
            throw new PluginFolderRejectedException(directory, [e.Message]);
        }

        if (!verification.IsValid || verification.Manifest is null)
        {
            throw new PluginFolderRejectedException(directory, verification.Problems);
        }

        log.WriteLine($"agent: {directory}: signed manifest verified ({verification.Manifest.Assemblies.Count} assemblies)");
        var plugins = new List<LoadedPlugin>();
        foreach (var assembly in verification.Manifest.Assemblies.OrderBy(a => a.File, StringComparer.Ordinal))
        {
            string path = Path.Combine(directory, assembly.File);
            if (PluginLoadContext.IsShared(Path.GetFileNameWithoutExtension(path)))
            {
                continue; // the contract (copied beside the plugins by their build): the host's copy is used
            }

            var context = new PluginLoadContext(path);
            Assembly loaded = context.LoadFromAssemblyPath(path);
            Type[] types;
            try
            {
                types = loaded.GetTypes();
            }
            catch (ReflectionTypeLoadException e)
            {
                log.WriteLine($"agent: {assembly.File}: skipped, its types do not load: {e.LoaderExceptions.FirstOrDefault()?.Message}");
                continue;
            }

            foreach (Type type in types.Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IMonitoringPlugin).IsAssignableFrom(t)))
            {
                plugins.Add(new LoadedPlugin((IMonitoringPlugin)Activator.CreateInstance(type)!, assembly.File));
            }
        }

        return plugins;
    }
}

/// <summary>The plugin folder was refused; nothing of it was loaded.</summary>
internal sealed class PluginFolderRejectedException(string directory, IReadOnlyList<string> problems)
    : Exception($"refusing to load plugins from {directory}: its PrivSep manifest does not verify:\n  - {string.Join("\n  - ", problems)}")
{
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>
/// One plugin's context. Assemblies the host ships (the contract, PrivSep.Shim and its runtime files) are shared with the host,
/// so the plugin implements the host's <see cref="IMonitoringPlugin"/> and all plugins use one broker connection and one
/// <c>PluginIdentity</c>; everything else resolves from the plugin's folder.
/// </summary>
internal sealed class PluginLoadContext(string pluginPath) : AssemblyLoadContext(Path.GetFileNameWithoutExtension(pluginPath), isCollectible: true)
{
    private readonly string directory = Path.GetDirectoryName(pluginPath)!;

    public static bool IsShared(string assemblyName) => File.Exists(Path.Combine(AppContext.BaseDirectory, assemblyName + ".dll"));

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (assemblyName.Name is null || IsShared(assemblyName.Name))
        {
            return null; // the default context: the host's copy
        }

        string candidate = Path.Combine(this.directory, assemblyName.Name + ".dll");
        return File.Exists(candidate) ? this.LoadFromAssemblyPath(candidate) : null;
    }
}

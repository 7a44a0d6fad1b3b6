using System.Reflection;
using System.Runtime.Loader;

/// <summary>
/// Loads a plugin assembly from its folder, as a plugin host does, and calls one of its static methods by reflection:
/// the plugin's own code (rewritten or not) makes the privileged calls, not this client.
/// </summary>
internal static class PluginCommands
{
    private static readonly Dictionary<string, AssemblyLoadContext> Contexts = new(StringComparer.Ordinal);

    /// <summary>
    /// <c>plugin DLL TYPE METHOD ARG</c>: invokes <c>TYPE.METHOD(ARG)</c> and returns its result as text. With
    /// <paramref name="isolated"/> (<c>plugin-isolated</c>), the plugin's folder wins over the host's assemblies, so a
    /// rewritten plugin runs on its own copy of the Shim and its dependencies.
    /// </summary>
    public static string Invoke(string dllPath, string typeName, string methodName, string argument, bool isolated = false) =>
        Call(Load(dllPath, isolated), typeName, methodName, argument);

    private static string Call(Assembly plugin, string typeName, string methodName, string argument)
    {
        Type type = plugin.GetType(typeName, throwOnError: true)!;
        MethodInfo method = type.GetMethod(methodName, BindingFlags.Public | BindingFlags.Static, [typeof(string)])
            ?? throw new MissingMethodException(typeName, methodName);
        try
        {
            return method.Invoke(null, [argument])?.ToString() ?? "null";
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            // Report what the plugin's call threw, as the plugin itself would see it.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
    }

    /// <summary>
    /// <c>plugin-resolver DLL TYPE METHOD ARG</c>: the same call, with the plugin loaded the documented .NET way: an
    /// <see cref="AssemblyDependencyResolver"/> over the plugin's own <c>.deps.json</c> first, the host for what it does not list.
    /// </summary>
    public static string InvokeResolved(string dllPath, string typeName, string methodName, string argument)
    {
        string fullPath = Path.GetFullPath(dllPath);
        string key = "resolver:" + fullPath;
        if (!Contexts.TryGetValue(key, out AssemblyLoadContext? context))
        {
            context = new ResolverContext(fullPath);
            Contexts[key] = context;
        }

        return Call(context.LoadFromAssemblyPath(fullPath), typeName, methodName, argument);
    }

    /// <summary>
    /// <c>shim-copies</c>: every PrivSep.Shim loaded in this process, as <c>context:location</c> joined by <c>|</c>. One copy, in
    /// the default context, means the rewritten plugin's Shim references unified with the host's Shim.
    /// </summary>
    public static string ShimCopies() =>
        string.Join("|", AppDomain.CurrentDomain.GetAssemblies()
            .Where(a => a.GetName().Name == "PrivSep.Shim")
            .Select(a => $"{AssemblyLoadContext.GetLoadContext(a)?.Name}:{a.Location}")
            .Order(StringComparer.Ordinal));

    private static Assembly Load(string dllPath, bool isolated)
    {
        string fullPath = Path.GetFullPath(dllPath);
        string directory = Path.GetDirectoryName(fullPath)!;
        string key = (isolated ? "isolated:" : "shared:") + directory;
        if (!Contexts.TryGetValue(key, out AssemblyLoadContext? context))
        {
            context = new PluginContext(directory, isolated);
            Contexts[key] = context;
        }

        return context.LoadFromAssemblyPath(fullPath);
    }

    /// <summary>The documented plugin host's context: what the plugin's deps file lists comes from its folder, the rest from the host.</summary>
    private sealed class ResolverContext(string pluginPath) : AssemblyLoadContext("plugin-resolver:" + Path.GetDirectoryName(pluginPath))
    {
        private readonly AssemblyDependencyResolver resolver = new(pluginPath);

        protected override Assembly? Load(AssemblyName assemblyName) =>
            this.resolver.ResolveAssemblyToPath(assemblyName) is { } path ? this.LoadFromAssemblyPath(path) : null;
    }

    /// <summary>
    /// One context per plugin folder. Shared (the default): what the host itself can load (its own PrivSep.Shim and that
    /// Shim's dependencies, the framework) is shared, so a plugin and the host talk to one broker client; everything else
    /// comes from the plugin's folder. Isolated: the plugin's folder first, the host (framework) only for what it lacks.
    /// </summary>
    private sealed class PluginContext(string directory, bool isolated) : AssemblyLoadContext((isolated ? "plugin-isolated:" : "plugin:") + directory)
    {
        protected override Assembly? Load(AssemblyName assemblyName)
        {
            string candidate = Path.Combine(directory, assemblyName.Name + ".dll");
            if (isolated)
            {
                return File.Exists(candidate) ? this.LoadFromAssemblyPath(candidate) : null;
            }

            try
            {
                return Default.LoadFromAssemblyName(assemblyName);
            }
            catch (Exception e) when (e is FileNotFoundException or FileLoadException)
            {
                // Not part of the host (or the host has an older version): the plugin's folder must have it.
            }

            return File.Exists(candidate) ? this.LoadFromAssemblyPath(candidate) : null;
        }
    }
}

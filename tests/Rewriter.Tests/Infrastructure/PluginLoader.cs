using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;

namespace PrivSep.Rewriter.Tests.Infrastructure;

/// <summary>Loads a rewritten folder in a collectible context (its own Shim and dependencies first) and JIT-compiles every method.</summary>
internal sealed class PluginLoader : AssemblyLoadContext, IDisposable
{
    private readonly string directory;

    public PluginLoader(string directory)
        : base("privsep-test-" + Guid.NewGuid().ToString("N"), isCollectible: true)
    {
        this.directory = directory;
    }

    public Assembly LoadFile(string fileName) => this.LoadFromAssemblyPath(Path.Combine(this.directory, fileName));

    /// <summary>Prepares every non-generic method with a body; returns how many were compiled.</summary>
    public static int PrepareAll(Assembly assembly)
    {
        int count = 0;
        foreach (Type type in assembly.GetTypes())
        {
            if (type.ContainsGenericParameters)
            {
                continue;
            }

            const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (MethodBase method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
            {
                if (method.IsAbstract || method.ContainsGenericParameters || (method.MethodImplementationFlags & MethodImplAttributes.InternalCall) != 0 || method.Attributes.HasFlag(MethodAttributes.PinvokeImpl))
                {
                    continue;
                }

                RuntimeHelpers.PrepareMethod(method.MethodHandle);
                count++;
            }
        }

        return count;
    }

    public void Dispose() => this.Unload();

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        string candidate = Path.Combine(this.directory, assemblyName.Name + ".dll");
        return File.Exists(candidate) ? this.LoadFromAssemblyPath(candidate) : null;
    }
}

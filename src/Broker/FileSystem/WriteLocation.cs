using Microsoft.Win32.SafeHandles;
using PrivSep.Broker.Interop;
using PrivSep.Broker.Policy;
using PrivSep.Broker.Service;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Broker.FileSystem;

/// <summary>
/// Where a write lands: the files.write root that contains the path, a descriptor for that root, and a descriptor
/// for the target's parent opened strictly beneath it, so the final create/unlink/rename is relative to a
/// directory that cannot have been swapped for a symbolic link between check and use.
/// </summary>
internal sealed class WriteLocation : IDisposable
{
    private WriteLocation(string path, string relativePath, SafeFileHandle root, SafeFileHandle? parent, string name)
    {
        this.Path = path;
        this.RelativePath = relativePath;
        this.Root = root;
        this.Parent = parent;
        this.Name = name;
    }

    public string Path { get; }

    /// <summary>The path below the root, no leading '/'; empty for the root itself.</summary>
    public string RelativePath { get; }

    public SafeFileHandle Root { get; }

    /// <summary>Null when the parent directory does not exist.</summary>
    public SafeFileHandle? Parent { get; }

    public string Name { get; }

    public bool IsRoot => this.RelativePath.Length == 0;

    /// <returns>Null when no files.write rule has a root containing <paramref name="path"/> (the policy then denies).</returns>
    public static WriteLocation? Open(BrokerPolicy policy, string path)
    {
        if (!policy.TryGetWriteRoot(path, out string rootPath, out string relative))
        {
            return null;
        }

        SafeFileHandle root;
        try
        {
            var opened = ObjectOpener.OpenFollowing(rootPath, directory: true);
            if (opened.ResolvedPath != rootPath)
            {
                opened.Dispose();
                throw new BrokerActionException(BrokerErrorCode.PolicyDenied, $"The write root '{rootPath}' resolves to '{opened.ResolvedPath}': name the real path in the policy.", path, "files.write root");
            }

            root = opened.Handle;
        }
        catch (ErrnoException ex) when (ex.Errno is LibC.ENOENT or LibC.ENOTDIR)
        {
            throw new BrokerActionException(BrokerErrorCode.DirectoryNotFound, $"The write root '{rootPath}' does not exist; create it when deploying the broker.", path);
        }

        if (relative.Length == 0)
        {
            return new WriteLocation(path, relative, root, parent: null, name: string.Empty);
        }

        int slash = relative.LastIndexOf('/');
        string parentRelative = slash < 0 ? string.Empty : relative[..slash];
        string name = relative[(slash + 1)..];
        try
        {
            var parent = ObjectOpener.OpenBeneath(root, parentRelative, LibC.O_PATH | LibC.O_DIRECTORY);
            return new WriteLocation(path, relative, root, parent, name);
        }
        catch (ErrnoException ex) when (ex.Errno is LibC.ENOENT or LibC.ENOTDIR)
        {
            return new WriteLocation(path, relative, root, parent: null, name);
        }
        catch (ErrnoException ex)
        {
            root.Dispose();
            throw ErrnoMapping.ToActionException(ex, path);
        }
    }

    public SafeFileHandle RequireParent() =>
        this.Parent ?? throw new BrokerActionException(BrokerErrorCode.DirectoryNotFound, $"Could not find a part of the path '{this.Path}'.", this.Path);

    public void Dispose()
    {
        this.Parent?.Dispose();
        this.Root.Dispose();
    }
}

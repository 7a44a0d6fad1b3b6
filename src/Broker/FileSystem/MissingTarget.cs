using PrivSep.Broker.Interop;

namespace PrivSep.Broker.FileSystem;

/// <summary>
/// Where a missing object would be, stated as the broker would resolve it: the deepest existing ancestor as
/// actually opened (symbolic links followed), then the remaining names as given. The policy judges that path, so a
/// link inside a readable directory cannot be used to probe which names exist behind it.
/// </summary>
internal static class MissingTarget
{
    public static string Locate(string normalizedPath)
    {
        var remaining = new Stack<string>();
        string current = normalizedPath;
        while (true)
        {
            var (parent, name) = BrokerPath.Split(current);
            if (parent is null)
            {
                return normalizedPath;
            }

            remaining.Push(name);
            try
            {
                using var ancestor = ObjectOpener.OpenFollowing(parent);
                string tail = string.Join('/', remaining);
                return ancestor.ResolvedPath == "/" ? "/" + tail : ancestor.ResolvedPath + "/" + tail;
            }
            catch (ErrnoException ex) when (ex.Errno is LibC.ENOENT or LibC.ENOTDIR)
            {
                current = parent;
            }
        }
    }
}

namespace PrivSep.Shim.Routing;

/// <summary>
/// The fast path for the Directory enumeration members, which have two ways to hide a refusal besides throwing it:
/// a lazy enumeration meets a refused subdirectory only while it is being consumed, and with
/// <see cref="EnumerationOptions.IgnoreInaccessible"/> a refused top directory just yields nothing.
/// </summary>
/// <remarks>
/// After a refusal the whole search runs as a <see cref="DirectoryWalk"/>, which reads the directories the agent may
/// read itself and asks the broker only for the others. With IgnoreInaccessible, refused subdirectories stay skipped on
/// the fast path, as the caller asked; only a refused top directory is worth asking about.
/// </remarks>
internal static class EnumerationRoute
{
    /// <summary>For the eager members (GetFiles, GetDirectories).</summary>
    public static string[] GetAll(Func<string[]> original, Func<DirectorySearch> describe)
    {
        if (!FastPath.TriesOriginalFirst)
        {
            return DirectoryWalk.Start(describe()).ToArray();
        }

        string[] found;
        try
        {
            found = original();
        }
        catch (Exception ex) when (FallbackRule.ForDirectory.SendsToBroker(ex))
        {
            return DirectoryWalk.Start(describe()).ToArray();
        }

        if (found.Length == 0)
        {
            var search = describe();
            if (TopWasSilentlyRefused(search))
            {
                return DirectoryWalk.Start(search).ToArray();
            }
        }

        return found;
    }

    /// <summary>For the lazy members (EnumerateFiles, EnumerateDirectories, EnumerateFileSystemEntries).</summary>
    public static IEnumerable<string> Enumerate(Func<IEnumerable<string>> original, Func<DirectorySearch> describe)
    {
        if (!FastPath.TriesOriginalFirst)
        {
            return DirectoryWalk.Start(describe());
        }

        IEnumerable<string> found;
        try
        {
            found = original();
        }
        catch (Exception ex) when (FallbackRule.ForDirectory.SendsToBroker(ex))
        {
            return DirectoryWalk.Start(describe());
        }

        return ContinueAfterRefusal(found, describe);
    }

    /// <summary>
    /// Yields the original enumeration; if it is refused midway (a subdirectory the agent may not read, without
    /// IgnoreInaccessible), the rest comes from a walk that skips what was already yielded. Remembering what was yielded
    /// costs memory, so it is done only for the searches where a midway refusal can happen: recursive ones that do not
    /// ignore refusals (the top directory was opened when the original was called).
    /// </summary>
    private static IEnumerable<string> ContinueAfterRefusal(IEnumerable<string> found, Func<DirectorySearch> describe)
    {
        var search = describe();
        HashSet<string>? yielded = search.Options.RecurseSubdirectories && !search.Options.IgnoreInaccessible ? new(StringComparer.Ordinal) : null;
        bool any = false;
        bool refused = false;

        using (var enumerator = found.GetEnumerator())
        {
            while (true)
            {
                try
                {
                    if (!enumerator.MoveNext())
                    {
                        break;
                    }
                }
                catch (Exception ex) when (yielded is not null && FallbackRule.ForDirectory.SendsToBroker(ex))
                {
                    refused = true;
                    break;
                }

                string path = enumerator.Current;
                any = true;
                yielded?.Add(path);
                yield return path;
            }
        }

        if (refused)
        {
            foreach (string path in DirectoryWalk.Start(search))
            {
                if (!yielded!.Contains(path))
                {
                    yield return path;
                }
            }
        }
        else if (!any && TopWasSilentlyRefused(search))
        {
            foreach (string path in DirectoryWalk.Start(search))
            {
                yield return path;
            }
        }
    }

    private static bool TopWasSilentlyRefused(DirectorySearch search) =>
        search.Options.IgnoreInaccessible && PathProbe.CannotList(search.Directory);
}

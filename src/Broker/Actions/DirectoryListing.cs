using System.IO.Enumeration;
using Microsoft.Win32.SafeHandles;
using PrivSep.Broker.FileSystem;
using PrivSep.Broker.Policy;
using PrivSep.Broker.Service;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Broker.Actions;

/// <summary>
/// One open directory enumeration held in the connection's handle table. It reads the directory the broker
/// opened and checked (through /proc/self/fd, so a rename of the path meanwhile changes nothing) and lists only
/// entries the policy would let this client read, describing a symbolic link's target only when the client may
/// read that too.
/// </summary>
internal sealed class DirectoryListing : IDisposable
{
    /// <summary>Bounds one page whatever the client asks, so a response stays far below any message limit.</summary>
    public const int MaxPageEntries = 1024;

    private readonly SafeFileHandle directory;
    private readonly IEnumerator<DirectoryEntry> entries;
    private readonly string resolvedPath;
    private readonly BrokerPolicy policy;

    public DirectoryListing(SafeFileHandle directory, string resolvedPath, BrokerPolicy policy)
    {
        this.directory = directory;
        this.resolvedPath = resolvedPath;
        this.policy = policy;
        var enumerable = new FileSystemEnumerable<DirectoryEntry>(
            $"/proc/self/fd/{directory.DangerousGetHandle()}",
            (ref FileSystemEntry entry) => this.Describe(ref entry),
            new EnumerationOptions { RecurseSubdirectories = false, IgnoreInaccessible = true, AttributesToSkip = 0, ReturnSpecialDirectories = false })
        {
            ShouldIncludePredicate = (ref FileSystemEntry entry) => this.IsVisible(entry.FileName),
        };
        this.entries = enumerable.GetEnumerator();
    }

    public DirectoryPage ReadPage(int maxEntries)
    {
        int limit = Math.Min(maxEntries, MaxPageEntries);
        var page = new List<DirectoryEntry>(Math.Min(limit, 64));
        while (page.Count < limit)
        {
            if (!this.entries.MoveNext())
            {
                return new DirectoryPage(page, IsLast: true);
            }

            page.Add(this.entries.Current);
        }

        return new DirectoryPage(page, IsLast: false);
    }

    public void Dispose()
    {
        this.entries.Dispose();
        this.directory.Dispose();
    }

    private bool IsVisible(ReadOnlySpan<char> name)
    {
        string child = this.resolvedPath == "/" ? "/" + name.ToString() : string.Concat(this.resolvedPath, "/", name);
        return PolicyQuestion.Read(child).DecideWith(this.policy).Allowed;
    }

    /// <summary>
    /// An entry as the BCL reports it to root, except for what a symbolic link would tell about its target. The BCL
    /// follows a link for its kind alone (a link to a directory is a Directory with ReparsePoint; its length and time
    /// are the link's own): the broker does the same only when this client may read where the link leads (the
    /// object actually opened, judged like a read). Any other link, whether its target is outside the policy,
    /// missing or unreachable, is described as itself and identically: a File with ReparsePoint (and Hidden for a
    /// dot name), length 0, the link's own time.
    /// </summary>
    private DirectoryEntry Describe(ref FileSystemEntry entry)
    {
        string name = entry.FileName.ToString();
        var attributes = entry.Attributes;
        var time = entry.LastWriteTimeUtc.UtcDateTime;
        if ((attributes & FileAttributes.ReparsePoint) == 0)
        {
            return new DirectoryEntry(name, entry.IsDirectory ? FileSystemEntryKind.Directory : FileSystemEntryKind.File, attributes, entry.IsDirectory ? 0 : entry.Length, time);
        }

        var link = FileAttributes.ReparsePoint | (attributes & FileAttributes.Hidden);
        return this.FollowableTarget(name) switch
        {
            FileSystemEntryKind.Directory => new DirectoryEntry(name, FileSystemEntryKind.Directory, link | FileAttributes.Directory, 0, time),
            FileSystemEntryKind.File => new DirectoryEntry(name, FileSystemEntryKind.File, link, entry.Length, time),
            _ => new DirectoryEntry(name, FileSystemEntryKind.File, link, 0, time),
        };
    }

    /// <summary>
    /// The kind of what the link <paramref name="name"/> leads to when this client may read it; null otherwise. The
    /// kind comes from the same opened object the policy judged, so swapping the link meanwhile cannot leak.
    /// </summary>
    private FileSystemEntryKind? FollowableTarget(string name)
    {
        OpenedObject target;
        try
        {
            target = ObjectOpener.OpenFollowingEntry(this.directory, name);
        }
        catch (ErrnoException)
        {
            // Missing, a loop, a magic link, not searchable: all of them look alike to the client.
            return null;
        }

        using (target)
        {
            if (BrokerSelfGuard.IsBrokerOwnProcEntry(target.ResolvedPath) || !PolicyQuestion.Read(target.ResolvedPath).DecideWith(this.policy).Allowed)
            {
                return null;
            }

            return target.IsDirectory ? FileSystemEntryKind.Directory : FileSystemEntryKind.File;
        }
    }
}

using System.IO.Enumeration;
using Microsoft.Win32.SafeHandles;
using PrivSep.Broker.Policy;
using PrivSep.Broker.Service;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Broker.Actions;

/// <summary>
/// One open directory enumeration held in the connection's handle table. It reads the directory the broker
/// opened and checked (through /proc/self/fd, so a rename of the path meanwhile changes nothing) and lists only
/// entries the policy would let this client read.
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
            (ref FileSystemEntry entry) => new DirectoryEntry(
                entry.FileName.ToString(),
                // As the BCL reports it: a link to a directory is a directory, and ReparsePoint says it is a link.
                entry.IsDirectory ? FileSystemEntryKind.Directory : FileSystemEntryKind.File,
                entry.Attributes,
                entry.IsDirectory ? 0 : entry.Length,
                entry.LastWriteTimeUtc.UtcDateTime),
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
}

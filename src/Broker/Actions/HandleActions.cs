using PrivSep.Broker.Policy;
using PrivSep.Broker.Service;
using PrivSep.Broker.Session;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Broker.Actions;

/// <summary>dir.read: the next page of a listing the policy allowed at dir.open; the handle is freed with the last page.</summary>
internal sealed class ReadDirectoryAction(long handle, int maxEntries, HandleTable handles) : IBrokerAction<DirectoryPage>
{
    public string Name => "dir.read";

    public bool ActsBeforeAnswer => false;

    public IReadOnlyList<KeyValuePair<string, string?>> AuditArguments => [new("handle", handle.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    public ValueTask<IReadOnlyList<PolicyQuestion>> PrepareAsync(BrokerPolicy policy, CancellationToken cancellationToken)
    {
        if (maxEntries is < 1 or > DirectoryListing.MaxPageEntries)
        {
            throw BrokerActionException.Invalid($"maxEntries must be between 1 and {DirectoryListing.MaxPageEntries}.");
        }

        return ValueTask.FromResult<IReadOnlyList<PolicyQuestion>>([]);
    }

    public ValueTask<DirectoryPage> PerformAsync(CancellationToken cancellationToken)
    {
        var page = handles.Use<DirectoryListing, DirectoryPage>(handle, listing => listing.ReadPage(maxEntries));
        if (page.IsLast)
        {
            handles.Close(handle);
        }

        return ValueTask.FromResult(page);
    }

    public void Dispose()
    {
    }
}

/// <summary>handle.close: frees broker-side state before it would expire.</summary>
internal sealed class CloseHandleAction(long handle, HandleTable handles) : IBrokerAction<bool>
{
    public string Name => "handle.close";

    public IReadOnlyList<KeyValuePair<string, string?>> AuditArguments => [new("handle", handle.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    public ValueTask<IReadOnlyList<PolicyQuestion>> PrepareAsync(BrokerPolicy policy, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<PolicyQuestion>>([]);

    public ValueTask<bool> PerformAsync(CancellationToken cancellationToken) =>
        handles.Close(handle) ? ValueTask.FromResult(true) : throw BrokerActionException.Invalid($"Handle {handle} is not open on this connection.");

    public void Dispose()
    {
    }
}

using Microsoft.Win32.SafeHandles;

namespace PrivSep.Broker.Actions;

/// <summary>A descriptor ready to pass to the client, with the path the policy checked.</summary>
internal sealed record OpenedFile(SafeFileHandle Handle, string ResolvedPath) : IDisposable
{
    public void Dispose() => this.Handle.Dispose();
}

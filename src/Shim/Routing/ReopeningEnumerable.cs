using System.Collections;

namespace PrivSep.Shim.Routing;

/// <summary>
/// A sequence whose source was opened eagerly at call time (so that a missing or refused path throws there, as the BCL's
/// enumerables do): the first enumeration consumes that source, and each later one opens a fresh source, as
/// <c>File.ReadLines</c> and <c>Directory.EnumerateFiles</c> re-open when enumerated again.
/// </summary>
internal sealed class ReopeningEnumerable<T>(IEnumerable<T> opened, Func<IEnumerable<T>> reopen) : IEnumerable<T>
{
    private IEnumerable<T>? firstSource = opened;

    public IEnumerator<T> GetEnumerator() =>
        (Interlocked.Exchange(ref this.firstSource, null) ?? reopen()).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => this.GetEnumerator();
}

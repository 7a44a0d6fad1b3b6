using System.Collections;

namespace PrivSep.Shim.Routing;

/// <summary>
/// The caller's lines for a write, handed to the original BCL call through this wrapper so that a refusal can tell whether
/// any line was already taken (see <see cref="FallbackRule.UnlessConsumed"/>).
/// </summary>
internal sealed class LineSource(IEnumerable<string>? lines) : IEnumerable<string>
{
    private int consumed;

    public bool Consumed => Volatile.Read(ref this.consumed) != 0;

    /// <summary>What to pass to the original call: null stays null so the BCL throws its own <see cref="ArgumentNullException"/>.</summary>
    public IEnumerable<string> ForOriginal => lines is null ? null! : this;

    /// <summary>The caller's lines themselves, for the brokered retry.</summary>
    public IEnumerable<string> Lines => lines!;

    public IEnumerator<string> GetEnumerator()
    {
        Volatile.Write(ref this.consumed, 1);
        return lines!.GetEnumerator();
    }

    IEnumerator IEnumerable.GetEnumerator() => this.GetEnumerator();
}

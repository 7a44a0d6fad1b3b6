using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace PrivSep.Shim.Commands;

/// <summary>
/// Turns the plugin's <see cref="ProcessStartInfo"/> into the relay's start for the duration of one start, and back.
/// The plugin's own <see cref="Process"/> must become the relay process, and a started Process refuses a new StartInfo
/// ("already associated with a real process"), so the StartInfo object stays and its command fields are swapped:
/// file name, arguments, shell execution (the relay is always executed directly) and the relay's variables. Everything
/// else (redirections, encodings, working directory, user, CreateNoWindow…) applies to the relay as the plugin set it.
/// Reading <see cref="ProcessStartInfo.Environment"/> to add the relay's variables makes it a snapshot of the agent's
/// environment, which is what an untouched StartInfo passes on anyway; the variables are removed again afterwards.
/// </summary>
internal sealed class StartInfoSwap : IDisposable
{
    /// <summary>One gate per StartInfo, private to the Shim: plugins cannot take it, starts of a shared StartInfo take turns.</summary>
    private static readonly ConditionalWeakTable<ProcessStartInfo, object> Gates = new();

    private readonly ProcessStartInfo startInfo;
    private readonly string fileName;
    private readonly string arguments;
    private readonly string[] argumentList;
    private readonly bool useShellExecute;
    private readonly Dictionary<string, string?> replacedVariables = new(StringComparer.Ordinal);

    private StartInfoSwap(ProcessStartInfo startInfo, RelayInvocation relay)
    {
        this.startInfo = startInfo;
        this.fileName = startInfo.FileName;
        this.arguments = startInfo.Arguments;
        this.argumentList = [.. startInfo.ArgumentList];
        this.useShellExecute = startInfo.UseShellExecute;

        startInfo.FileName = relay.FileName;
        startInfo.Arguments = string.Empty;
        Replace(startInfo.ArgumentList, relay.Arguments);
        startInfo.UseShellExecute = false;
        foreach (var (name, value) in relay.Environment)
        {
            this.replacedVariables[name] = startInfo.Environment.TryGetValue(name, out string? previous) ? previous : null;
            startInfo.Environment[name] = value;
        }
    }

    /// <summary>
    /// The lock every routed start of <paramref name="startInfo"/> holds from the broker's answer until the process started,
    /// so that no start of the same StartInfo on another thread sees it half swapped.
    /// </summary>
    public static object GateOf(ProcessStartInfo startInfo) => Gates.GetValue(startInfo, static _ => new object());

    /// <summary>Swaps; dispose to restore. Call with <see cref="GateOf"/> held.</summary>
    public static StartInfoSwap Apply(ProcessStartInfo startInfo, RelayInvocation relay) => new(startInfo, relay);

    public void Dispose()
    {
        this.startInfo.FileName = this.fileName;
        this.startInfo.Arguments = this.arguments;
        Replace(this.startInfo.ArgumentList, this.argumentList);
        this.startInfo.UseShellExecute = this.useShellExecute;
        foreach (var (name, previous) in this.replacedVariables)
        {
            if (previous is null)
            {
                this.startInfo.Environment.Remove(name);
            }
            else
            {
                this.startInfo.Environment[name] = previous;
            }
        }
    }

    private static void Replace(ICollection<string> list, IEnumerable<string> items)
    {
        list.Clear();
        foreach (string item in items)
        {
            list.Add(item);
        }
    }
}

using System.Diagnostics;
using PrivSep.Shim.Commands;

namespace PrivSep.Shim.Replacements;

/// <summary>
/// Replacements for the <see cref="Process"/> members that start a command. The broker decides where each command runs
/// (see <see cref="ProcessStartRouting"/>): a command no rule names starts as before, from the original member, with the
/// same result; an allowed command runs in the broker, and the plugin gets a real <see cref="Process"/> for
/// privsep-relay, which relays the command's stdin, stdout, stderr, signals and exit code.
/// </summary>
public static class ProcessShims
{
    [Replaces("M:System.Diagnostics.Process.Start(System.String)")]
    public static Process Start(string fileName) =>
        ProcessStartRouting.StartNew(new ProcessStartInfo(fileName), () => Process.Start(fileName));

    [Replaces("M:System.Diagnostics.Process.Start(System.String,System.String)")]
    public static Process Start(string fileName, string arguments) =>
        ProcessStartRouting.StartNew(new ProcessStartInfo(fileName, arguments), () => Process.Start(fileName, arguments));

    [Replaces("M:System.Diagnostics.Process.Start(System.String,System.Collections.Generic.IEnumerable{System.String})")]
    public static Process Start(string fileName, IEnumerable<string> arguments)
    {
        if (fileName is null || arguments is null)
        {
            return Process.Start(fileName!, arguments!); // the BCL's ArgumentNullException
        }

        // Enumerated once: the sequence may be a one-shot iterator, and the broker must judge what actually runs.
        List<string> list = [.. arguments];
        return ProcessStartRouting.StartNew(new ProcessStartInfo(fileName, list), () => Process.Start(fileName, list));
    }

    [Replaces("M:System.Diagnostics.Process.Start(System.Diagnostics.ProcessStartInfo)")]
    public static Process? Start(ProcessStartInfo startInfo) => ProcessStartRouting.Start(startInfo);

    [Replaces("M:System.Diagnostics.Process.Start")]
    public static bool Start(Process process)
    {
        InstanceGuard.ThrowIfNull(process);
        return ProcessStartRouting.Start(process);
    }
}

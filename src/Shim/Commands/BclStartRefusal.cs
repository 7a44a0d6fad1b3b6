using System.Diagnostics;

namespace PrivSep.Shim.Commands;

/// <summary>
/// The start information <c>Process.Start</c> refuses before it starts anything. Such a start is handed to the original,
/// which throws the BCL's own exception with the BCL's own message (and starts nothing), instead of asking the broker
/// about a command that was never going to run. Tests prove, case by case, that the original does refuse each of these.
/// </summary>
internal static class BclStartRefusal
{
    public static bool Applies(ProcessStartInfo startInfo) =>
        startInfo.FileName.Length == 0
        || (startInfo.StandardInputEncoding is not null && !startInfo.RedirectStandardInput)
        || (startInfo.StandardOutputEncoding is not null && !startInfo.RedirectStandardOutput)
        || (startInfo.StandardErrorEncoding is not null && !startInfo.RedirectStandardError)
        || (!string.IsNullOrEmpty(startInfo.Arguments) && startInfo.ArgumentList.Count > 0)
        || startInfo.ArgumentList.Contains(null!)
        || (startInfo.UseShellExecute && (startInfo.RedirectStandardInput || startInfo.RedirectStandardOutput || startInfo.RedirectStandardError));
}

using System.Diagnostics;

namespace PrivSep.Shim.Commands;

/// <summary>The command a <see cref="ProcessStartInfo"/> asks for, as the original <c>Process.Start</c> would run it.</summary>
/// <param name="Path">Absolute, or a bare name (see <see cref="CommandPath"/>).</param>
/// <param name="Arguments">The argument vector after argv[0]: <see cref="ProcessStartInfo.ArgumentList"/> when it has entries, else <see cref="ProcessStartInfo.Arguments"/> split as .NET splits it.</param>
internal sealed record RequestedCommand(string Path, IReadOnlyList<string> Arguments)
{
    public static RequestedCommand Of(ProcessStartInfo startInfo) => new(
        CommandPath.Resolve(startInfo.FileName, startInfo.UseShellExecute, startInfo.WorkingDirectory),
        startInfo.ArgumentList.Count > 0 ? [.. startInfo.ArgumentList] : ArgumentStringSplitter.Split(startInfo.Arguments));
}

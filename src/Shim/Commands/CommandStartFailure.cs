using System.ComponentModel;
using PrivSep.Shim.Interop;

namespace PrivSep.Shim.Commands;

/// <summary>
/// The <see cref="Win32Exception"/> <c>Process.Start</c> throws for a command that cannot be started, with the BCL's
/// message shape ("An error occurred trying to start process 'P' with working directory 'D'. Reason") and the reason
/// PrivSep adds, so a plugin's existing catch blocks keep working and its log says what to do.
/// </summary>
internal static class CommandStartFailure
{
    /// <summary>The broker's policy refused the command; <paramref name="reason"/> is the broker's message, naming the rule.</summary>
    public static Win32Exception Refused(string path, string? workingDirectory, string reason) =>
        Create(LibC.EACCES, path, workingDirectory, $"Permission denied: {reason}");

    /// <summary>
    /// Fail closed: without the broker's answer nobody knows whether a rule names this command, and a command a rule
    /// names must never run unprivileged behind the policy's back.
    /// </summary>
    public static Win32Exception BrokerUnavailable(string path, string? workingDirectory, Exception cause) =>
        Create(LibC.EACCES, path, workingDirectory, $"Permission denied: the PrivSep broker could not be asked whether this command is allowed, so it was not started. {cause.Message}");

    /// <param name="problemAndFix">What is missing and how to provide it.</param>
    public static Win32Exception RelayMissing(string path, string? workingDirectory, string problemAndFix) =>
        Create(LibC.ENOENT, path, workingDirectory, $"No such file or directory: the PrivSep broker runs this command, through privsep-relay, but {problemAndFix}");

    private static Win32Exception Create(int errno, string path, string? workingDirectory, string reason)
    {
        string directory = string.IsNullOrEmpty(workingDirectory) ? Directory.GetCurrentDirectory() : workingDirectory;
        return new Win32Exception(errno, $"An error occurred trying to start process '{path}' with working directory '{directory}'. {reason}");
    }
}

using System.Globalization;
using PrivSep.Relay.Interop;

namespace PrivSep.Relay;

/// <summary>
/// Ties the relay's life to the agent that started it. Killing the agent must end the privileged command too: the
/// kernel kills the relay when its parent goes (PR_SET_PDEATHSIG), the relay's connection to the broker closes, and
/// the broker kills the command's process group. The death signal only covers a parent that dies after it was set, so
/// the parent is compared with the one the Shim named in <see cref="ParentVariable"/> right after.
/// </summary>
internal static class ParentGuard
{
    /// <summary>Set by the Shim to its own pid.</summary>
    public const string ParentVariable = PrivSep.Protocol.ProtocolDefaults.RelayParentEnvironmentVariable;

    /// <exception cref="RelayFailure">The parent is already gone (or the variable is malformed).</exception>
    public static void Engage()
    {
        LibC.SetParentDeathSignal(LibC.SIGKILL);
        string? expected = Environment.GetEnvironmentVariable(ParentVariable);
        if (string.IsNullOrEmpty(expected))
        {
            // Started by hand (a shell, a test): there is no agent whose death must end the command.
            return;
        }

        if (!int.TryParse(expected, NumberStyles.None, CultureInfo.InvariantCulture, out int parent) || parent <= 0)
        {
            throw new RelayFailure(RelayExitCodes.RelayFailed, $"{ParentVariable}='{expected}' is not a process id.");
        }

        int actual = LibC.GetParentProcessId();
        if (actual != parent)
        {
            throw new RelayFailure(RelayExitCodes.RelayFailed, $"the process that started the relay (pid {parent}) has ended (the parent is now pid {actual}); not starting the command.");
        }
    }
}

using PrivSep.Protocol.Contracts;

namespace PrivSep.Shim.Client;

/// <summary>
/// Commands as the broker sees them. Only the question "where does this command run?" goes over the agent's connection;
/// a command the broker runs is started and watched by privsep-relay on a connection of its own, so that the command's
/// life is tied to the relay process the plugin holds.
/// </summary>
internal static class BrokeredCommands
{
    /// <exception cref="UnauthorizedAccessException">The policy names the path but refuses these arguments, or refuses a bare name (the message names the rule).</exception>
    /// <exception cref="IOException">The broker could not be reached or did not answer.</exception>
    public static ExecCheckResponse Check(ExecRequest request) =>
        BrokerClient.Shared.Invoke(request.Path, (c, t) => c.Service.CheckCommandAsync(request, t));
}

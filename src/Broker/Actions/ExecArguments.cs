using System.Globalization;
using PrivSep.Broker.Policy;
using PrivSep.Broker.Service;
using PrivSep.Protocol;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Broker.Actions;

/// <summary>Validation and audit form of an <see cref="ExecRequest"/>, shared by exec.check and exec.start.</summary>
internal static class ExecArguments
{
    public static (string Path, IReadOnlyList<string> Arguments) Validate(ExecRequest request)
    {
        var path = request.Path;
        if (string.IsNullOrEmpty(path) || path.Length > ProtocolDefaults.MaxPathLength)
        {
            throw BrokerActionException.Invalid($"The command path must have 1 to {ProtocolDefaults.MaxPathLength} characters.");
        }

        var arguments = request.Arguments ?? throw BrokerActionException.Invalid("The command has no argument list (send an empty one).");
        if (arguments.Count > ExecLimits.MaxArguments)
        {
            throw BrokerActionException.Invalid($"A command may have at most {ExecLimits.MaxArguments} arguments.");
        }

        foreach (var argument in arguments)
        {
            if (argument is null || argument.Length > ExecLimits.MaxArgumentLength)
            {
                throw BrokerActionException.Invalid($"Every argument must be present and at most {ExecLimits.MaxArgumentLength} characters long.");
            }
        }

        return (path, arguments);
    }

    public static IReadOnlyList<KeyValuePair<string, string?>> Audit(ExecRequest request) =>
    [
        new("command", request.Path is null || request.Arguments is null ? request.Path : ExecRule.FormatCommand(request.Path, request.Arguments)),
        new("argc", (request.Arguments?.Count ?? 0).ToString(CultureInfo.InvariantCulture)),
    ];
}

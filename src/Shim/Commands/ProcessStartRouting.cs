using System.Diagnostics;
using PrivSep.Protocol.Contracts;
using PrivSep.Shim.Client;
using PrivSep.Shim.Routing;

namespace PrivSep.Shim.Commands;

/// <summary>
/// Where a started command runs. Unlike file calls there is no "try the original first": the original would run the
/// command. So every start asks the broker (exec.check) first: no rule names the path → the original, unchanged;
/// a rule allows it → privsep-relay is started in its place and the broker runs the command; a rule names the path
/// but not these arguments, or the broker cannot be asked → <see cref="System.ComponentModel.Win32Exception"/>, and
/// nothing runs.
/// </summary>
internal static class ProcessStartRouting
{
    /// <summary>The static overloads taking a file name: <paramref name="startInfo"/> is built as the BCL builds it.</summary>
    public static Process StartNew(ProcessStartInfo startInfo, Func<Process> original) =>
        Route(startInfo, original, request => StartRelayAsNewProcess(startInfo, request));

    /// <summary><c>Process.Start(ProcessStartInfo)</c>.</summary>
    public static Process? Start(ProcessStartInfo startInfo) =>
        startInfo is null
            ? Process.Start(startInfo!) // throws the BCL's ArgumentNullException
            : Route(startInfo, () => Process.Start(startInfo), request => StartRelayAsNewProcess(startInfo, request));

    /// <summary>The instance <c>Process.Start()</c>: the plugin's own <paramref name="process"/> becomes the relay.</summary>
    public static bool Start(Process process)
    {
        var startInfo = process.StartInfo;
        return Route(startInfo, process.Start, request => StartRelay(process, request));
    }

    private static T Route<T>(ProcessStartInfo startInfo, Func<T> original, Func<ExecRequest, T> brokered)
    {
        if (BclStartRefusal.Applies(startInfo))
        {
            return original();
        }

        lock (StartInfoSwap.GateOf(startInfo))
        {
            var command = RequestedCommand.Of(startInfo);
            var request = new ExecRequest(command.Path, command.Arguments, PluginIdentity.Current());
            return Ask(request, startInfo.WorkingDirectory) switch
            {
                ExecRoute.Local => original(),
                ExecRoute.Broker => brokered(request),
                var other => throw CommandStartFailure.Refused(request.Path, startInfo.WorkingDirectory, $"the PrivSep broker answered with route {other}, which this Shim does not know."),
            };
        }
    }

    private static ExecRoute Ask(ExecRequest request, string? workingDirectory)
    {
        try
        {
            return BrokerActions.Current.CheckCommand(request).Route;
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or ArgumentException)
        {
            throw CommandStartFailure.Refused(request.Path, workingDirectory, ex.Message);
        }
        catch (IOException ex)
        {
            throw CommandStartFailure.BrokerUnavailable(request.Path, workingDirectory, ex);
        }
    }

    private static Process StartRelayAsNewProcess(ProcessStartInfo startInfo, ExecRequest request)
    {
        var process = new Process { StartInfo = startInfo };
        StartRelay(process, request);
        return process;
    }

    private static bool StartRelay(Process process, ExecRequest request)
    {
        var startInfo = process.StartInfo;
        var relay = RelayInvocation.For(request, startInfo.RedirectStandardInput, ShimSettings.Current, startInfo.WorkingDirectory);
        using (StartInfoSwap.Apply(startInfo, relay))
        {
            return RelayLauncherThread.Run(process.Start);
        }
    }
}

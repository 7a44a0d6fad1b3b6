using PrivSep.Broker.Session;

namespace PrivSep.Broker.Exec;

/// <summary>
/// exec.start's result inside the broker, before it becomes the client's answer: the command runs and sits in the
/// connection's handle table, its client ends not yet sent. The pipeline disposes it when the start's audit line
/// cannot be written: the command is then killed and no descriptor leaves the broker (fail closed). Otherwise the
/// request table confirms it once the line is written, and only then sends the ends.
/// </summary>
internal sealed class StartedCommand(long handle, BrokeredCommand command, CommandRelay.ClientEnds ends, HandleTable handles) : IDisposable
{
    public long Handle { get; } = handle;

    public int Pid => command.Pid;

    public CommandRelay.ClientEnds Ends { get; } = ends;

    /// <summary>The start's audit line is written: the command may run on, and its end may be recorded.</summary>
    public void Confirm() => command.OnStartAudited(recorded: true);

    /// <summary>Refused after all: the command is killed, the client's ends closed.</summary>
    public void Dispose()
    {
        command.OnStartAudited(recorded: false);
        handles.Close(this.Handle);
        this.Ends.Dispose();
    }
}

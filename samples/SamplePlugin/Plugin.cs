using System.Net.NetworkInformation;

namespace SamplePlugin;

/// <summary>A monitoring plugin that reads a log, appends to a state file and pings a host: all privileged for an unprivileged agent.</summary>
public sealed class Plugin
{
    public string ReadLog(string path) => File.ReadAllText(path);

    public long AppendState(string path, byte[] state)
    {
        using var stream = new FileStream(path, FileMode.Append, FileAccess.Write);
        stream.Write(state);
        return stream.Length;
    }

    public bool IsReachable(string host)
    {
        using var ping = new Ping();
        return ping.Send(host, 1000).Status == IPStatus.Success;
    }
}

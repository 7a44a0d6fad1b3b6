using System.Text;
using MonitoringAgent.Contracts;

namespace Plugins.AuthLogTail;

/// <summary>
/// Follows a root-only log (/var/log/auth.log, 0600) like <c>tail -F</c>: the <see cref="FileStream"/> stays open across
/// rounds and each round reads only the lines added since the last one. Rotation is survived: a file truncated in place
/// (copytruncate) is read again from its start; a file renamed away (the path now names another file) is read to its end,
/// then the new file at the path is opened and read from its start.
/// </summary>
public sealed class AuthLogTail : IMonitoringPlugin, IDisposable
{
    private const int MaxLinesShown = 2;
    private readonly string path = HostPaths.Of("/var/log/auth.log");
    private readonly StringBuilder partialLine = new();
    private FileStream? stream;

    public string Name => "AuthLogTail";

    public IEnumerable<CheckResult> RunChecks()
    {
        string action = $"tail {this.path}";
        try
        {
            bool opened = false;
            bool rotated = false;
            if (this.stream is null)
            {
                this.stream = Open(this.path);
                opened = true;
            }

            if (this.stream.Length < this.stream.Position)
            {
                // Truncated in place: start over from the beginning of the same file.
                this.stream.Position = 0;
                this.partialLine.Clear();
                rotated = true;
            }

            var lines = this.ReadNewLines();
            if (!opened && this.PathNamesAnotherFile())
            {
                // Renamed away: the old file was read to its end above; follow the path to the new file.
                this.stream.Dispose();
                this.stream = Open(this.path);
                this.partialLine.Clear();
                lines.AddRange(this.ReadNewLines());
                rotated = true;
            }

            string what = (opened ? "line" : "new line") + (lines.Count == 1 ? string.Empty : "s");
            string shown = lines.Count == 0 ? string.Empty : ": " + string.Join(" | ", lines.TakeLast(MaxLinesShown).Select(l => l.Length > 48 ? l[..48] + "…" : l));
            string detail = $"{lines.Count} {what}{(rotated ? " (after rotation)" : string.Empty)}{shown}";
            return [CheckResult.Success(action, detail)];
        }
        catch (Exception e)
        {
            this.stream?.Dispose();
            this.stream = null;
            return [CheckResult.Failure(action, e)];
        }
    }

    public void Dispose() => this.stream?.Dispose();

    private static FileStream Open(string path) => new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);

    /// <summary>Reads from where the last round stopped to the end; a line without its newline yet is kept for the next round.</summary>
    private List<string> ReadNewLines()
    {
        var lines = new List<string>();
        var buffer = new byte[8192];
        int read;
        while ((read = this.stream!.Read(buffer, 0, buffer.Length)) > 0)
        {
            this.partialLine.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }

        string text = this.partialLine.ToString();
        int end = text.LastIndexOf('\n');
        if (end >= 0)
        {
            lines.AddRange(text[..end].Split('\n').Select(l => l.TrimEnd('\r')));
            this.partialLine.Remove(0, end + 1);
        }

        return lines;
    }

    /// <summary>
    /// Whether the path now names a different file than the open stream (the inode changed): compared by modification time,
    /// the open file's taken before and after the path's so that a line appended meanwhile is no false alarm.
    /// </summary>
    private bool PathNamesAnotherFile()
    {
        DateTime before = File.GetLastWriteTimeUtc(this.stream!.SafeFileHandle);
        if (!File.Exists(this.path))
        {
            return false; // between the rename and the new file's creation: keep reading the old one
        }

        DateTime atPath = File.GetLastWriteTimeUtc(this.path);
        DateTime after = File.GetLastWriteTimeUtc(this.stream.SafeFileHandle);
        return atPath != before && atPath != after;
    }
}

using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using PrivSep.Broker.Tests.Harness;
using PrivSep.Protocol.Handshake;
using PrivSep.Protocol.Transport;

namespace PrivSep.Broker.Tests.Actions;

/// <summary>One parsed line of the broker's audit log.</summary>
internal sealed record AuditEntry(
    long Seq,
    int Pid,
    uint Uid,
    uint Gid,
    string? Plugin,
    string Action,
    IReadOnlyDictionary<string, string?> Args,
    string? Path,
    string Decision,
    string? Rule,
    string Outcome)
{
    public string? Arg(string key) => this.Args.TryGetValue(key, out var value) ? value : null;

    public override string ToString() =>
        $"#{Seq} {Action} [{string.Join(", ", Args.Select(a => $"{a.Key}={a.Value}"))}] path={Path} {Decision} rule={Rule} outcome={Outcome} pid={Pid} uid={Uid}";
}

internal static class AuditTrail
{
    public static List<AuditEntry> Read(TestBroker broker) => broker.AuditLines().Select(Parse).ToList();

    public static AuditEntry Parse(string line)
    {
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        var args = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (root.TryGetProperty("args", out var argsElement) && argsElement.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in argsElement.EnumerateObject())
            {
                args[property.Name] = property.Value.ValueKind == JsonValueKind.Null ? null : property.Value.GetString();
            }
        }

        return new AuditEntry(
            root.GetProperty("seq").GetInt64(),
            root.GetProperty("pid").GetInt32(),
            root.GetProperty("uid").GetUInt32(),
            root.GetProperty("gid").GetUInt32(),
            StringOrNull(root, "plugin"),
            root.GetProperty("action").GetString()!,
            args,
            StringOrNull(root, "path"),
            root.GetProperty("decision").GetString()!,
            StringOrNull(root, "rule"),
            root.GetProperty("outcome").GetString()!);
    }

    /// <summary>The audit lines for requests (not connection events) whose argument <paramref name="key"/> is <paramref name="value"/>.</summary>
    public static List<AuditEntry> For(TestBroker broker, string action, string key, string value) =>
        Read(broker).Where(e => e.Action == action && e.Arg(key) == value).ToList();

    /// <summary>Asserts exactly one audit line for this request, with the given decision and outcome, from this process as root.</summary>
    public static AuditEntry Single(TestBroker broker, string action, string key, string value, string decision, string outcome)
    {
        var lines = For(broker, action, key, value);
        Assert.AreEqual(1, lines.Count, $"expected exactly one {action} audit line for {key}={value}, found:\n{string.Join("\n", Read(broker))}");
        var entry = lines[0];
        Assert.AreEqual(decision, entry.Decision, entry.ToString());
        Assert.AreEqual(outcome, entry.Outcome, entry.ToString());
        Assert.AreEqual(Environment.ProcessId, entry.Pid, "the audit line must carry the peer's pid from SO_PEERCRED");
        Assert.AreEqual(0u, entry.Uid, "the audit line must carry the peer's uid from SO_PEERCRED");
        return entry;
    }

    /// <summary>Connection events are written by the session after the socket closes, so they may lag the client's view a little.</summary>
    public static async Task<AuditEntry> WaitForConnectEventAsync(TestBroker broker, string outcome, TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var match = Read(broker).FirstOrDefault(e => e.Action == "connect" && e.Outcome == outcome);
            if (match is not null)
            {
                return match;
            }

            if (deadline.Elapsed > (timeout ?? TimeSpan.FromSeconds(5)))
            {
                Assert.Fail($"no connect audit line with outcome '{outcome}'; the log holds:\n{string.Join("\n", Read(broker))}");
            }

            await Task.Delay(25);
        }
    }

    private static string? StringOrNull(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

internal static class FileSystemFixtures
{
    public static void Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        string error = process.StandardError.ReadToEnd();
        Assert.IsTrue(process.WaitForExit(10_000), $"{program} did not finish");
        Assert.AreEqual(0, process.ExitCode, $"{program} {string.Join(' ', arguments)} failed: {error}");
    }

    public static void MakeFifo(string path) => Run("mkfifo", path);

    public static void MakeCharDevice(string path, int major, int minor) => Run("mknod", path, "c", major.ToString(System.Globalization.CultureInfo.InvariantCulture), minor.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public static void MakeHardLink(string existing, string newName) => Run("ln", existing, newName);

    /// <summary>A Unix socket file bound at <paramref name="path"/>; .NET removes the file when the socket is disposed, so keep it until the test ends.</summary>
    public static Socket MakeSocketFile(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        return socket;
    }

    /// <summary>Points <paramref name="link"/> at <paramref name="target"/> atomically (symlink then rename over the old link).</summary>
    public static void RetargetSymlink(string link, string target, string scratchName)
    {
        string temporary = Path.Combine(Path.GetDirectoryName(link)!, scratchName);
        File.CreateSymbolicLink(temporary, target);
        File.Move(temporary, link, overwrite: true);
    }

    public static int OpenDescriptorCount() => Directory.GetFileSystemEntries("/proc/self/fd").Length;

    /// <summary>The descriptor count once it has stopped changing (a closed connection's broker side closes asynchronously).</summary>
    public static async Task<int> StableDescriptorCountAsync()
    {
        int previous = OpenDescriptorCount();
        for (int i = 0; i < 40; i++)
        {
            await Task.Delay(50);
            int current = OpenDescriptorCount();
            if (current == previous)
            {
                return current;
            }

            previous = current;
        }

        return previous;
    }
}

/// <summary>A connection driven byte by byte, for what a well-behaved client never sends.</summary>
internal sealed class RawConnection : IAsyncDisposable
{
    private RawConnection(DescriptorSocketStream stream)
    {
        this.Stream = stream;
    }

    public DescriptorSocketStream Stream { get; }

    public static async Task<RawConnection> ConnectAsync(TestBroker broker)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(broker.SocketPath));
        return new RawConnection(new DescriptorSocketStream(socket, acceptDescriptors: true));
    }

    /// <summary>Connects and completes the real handshake, leaving the JSON-RPC framing to the test.</summary>
    public static async Task<RawConnection> ConnectAuthenticatedAsync(TestBroker broker)
    {
        var connection = await ConnectAsync(broker);
        await HandshakeClient.AuthenticateAsync(connection.Stream, new SharedSecret(Encoding.UTF8.GetBytes(TestSecrets.Secret)), broker.SocketPath, TimeSpan.FromSeconds(5));
        return connection;
    }

    public async Task WriteFrameAsync(byte[] body)
    {
        var frame = new byte[4 + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, body.Length);
        body.CopyTo(frame, 4);
        await this.Stream.WriteAsync(frame);
    }

    /// <summary>Reads one length-framed message's body as text (the broker's answer).</summary>
    public async Task<string> ReadFrameAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var header = new byte[4];
        await this.Stream.ReadExactlyAsync(header, cancel.Token);
        var body = new byte[BinaryPrimitives.ReadInt32BigEndian(header)];
        await this.Stream.ReadExactlyAsync(body, cancel.Token);
        return Encoding.UTF8.GetString(body);
    }

    /// <summary>True when the broker closed the connection (end of stream) within <paramref name="timeout"/>; bytes it sends first are skipped.</summary>
    public async Task<bool> IsClosedByPeerWithinAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                int read = await this.Stream.ReadAsync(buffer, cancel.Token);
                if (read == 0)
                {
                    return true;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    public async ValueTask DisposeAsync() => await this.Stream.DisposeAsync();
}

internal static class Eventually
{
    public static async Task<bool> TrueWithinAsync(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                return false;
            }

            await Task.Delay(25);
        }

        return true;
    }
}

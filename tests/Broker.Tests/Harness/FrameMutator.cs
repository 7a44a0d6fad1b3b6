using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PrivSep.Protocol.Contracts;
using PrivSep.Protocol.Handshake;

namespace PrivSep.Broker.Tests.Harness;

/// <summary>
/// Deterministic (seeded) mutations of what a client sends: hellos before the handshake, and JSON-RPC frames after
/// it. Most frame mutations keep the JSON valid and change what it says (so the connection lives and the broker's
/// argument handling is exercised); some break the bytes or the framing (so the protocol checks are).
/// </summary>
internal sealed class FrameMutator(int seed, string readRoot, string writeRoot)
{
    /// <summary>What a client may ask (ping aside: a mutated host name would wait on DNS), and cancellation.</summary>
    private static readonly string[] Methods = [.. BrokerMethods.All.Where(m => m != BrokerMethods.Ping).Order(StringComparer.Ordinal), "$/cancelRequest"];

    private static readonly string[] MutatedMethods = [.. Methods, "no.such.method", string.Empty, "file.OPEN"];

    private readonly Random random = new(seed);
    private long nextId = 1;

    /// <summary>A hello (magic and nonce), mutated: wrong magic, short, long, random.</summary>
    public byte[] NextHello()
    {
        var hello = new byte[HandshakeWire.Magic.Length + HandshakeWire.NonceLength];
        HandshakeWire.Magic.CopyTo(hello);
        this.random.NextBytes(hello.AsSpan(HandshakeWire.Magic.Length));
        return this.random.Next(4) switch
        {
            0 => this.FlipBytes(hello),
            1 => hello[..this.random.Next(hello.Length)],
            2 => [.. hello, .. this.RandomBytes(this.random.Next(1, 80))],
            _ => this.RandomBytes(this.random.Next(1, 120)),
        };
    }

    /// <summary>One frame (length header and body) for an authenticated connection, and whether it asks for an answer.</summary>
    public (byte[] Frame, bool ExpectsAnswer) NextFrame()
    {
        // Mostly frames that keep the connection (a changed string reaches the broker's own checks); the few that
        // break the protocol end it, and each costs a new connection.
        var request = this.ValidRequest();
        int roll = this.random.Next(100);
        if (roll < 85)
        {
            this.MutateValue(request);
        }
        else if (roll < 97)
        {
            // Unchanged: what a well-behaved client would send.
        }
        else if (roll < 98)
        {
            request.Remove("id");
        }
        else
        {
            byte[] body = Encoding.UTF8.GetBytes(request.ToJsonString());
            return (this.random.Next(4) switch
            {
                0 => Frame(this.FlipBytes(body)),
                1 => Frame(body[..this.random.Next(1, body.Length)]),
                2 => this.WrongLength(body),
                _ => Frame(this.RandomBytes(this.random.Next(1, 200))),
            }, false);
        }

        return (Frame(Encoding.UTF8.GetBytes(request.ToJsonString())), request.ContainsKey("id"));
    }

    private static byte[] Frame(byte[] body)
    {
        var frame = new byte[4 + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, body.Length);
        body.CopyTo(frame, 4);
        return frame;
    }

    private JsonObject ValidRequest()
    {
        string method = Methods[this.random.Next(Methods.Length)];
        string read = Path.Combine(readRoot, "a.txt");
        string write = Path.Combine(writeRoot, $"f{this.random.Next(8)}.txt");
        JsonNode? argument = method switch
        {
            BrokerMethods.OpenFile => this.random.Next(2) == 0
                ? new JsonObject { ["Path"] = read, ["Mode"] = 3, ["Access"] = 1 }
                : new JsonObject { ["Path"] = write, ["Mode"] = 2, ["Access"] = 3 },
            BrokerMethods.MoveFile => new JsonObject { ["Source"] = write, ["Destination"] = Path.Combine(writeRoot, "moved.txt"), ["Overwrite"] = true },
            BrokerMethods.ReadDirectory => new JsonObject { ["Handle"] = this.random.Next(1, 4), ["MaxEntries"] = this.random.Next(1, 10) },
            BrokerMethods.CloseHandle => new JsonObject { ["Handle"] = this.random.Next(1, 4) },
            BrokerMethods.CheckCommand or BrokerMethods.StartCommand => new JsonObject { ["Path"] = "/usr/bin/true", ["Arguments"] = new JsonArray("x") },
            BrokerMethods.WaitCommand => new JsonObject { ["Handle"] = this.random.Next(1, 4), ["TimeoutMilliseconds"] = 10 },
            BrokerMethods.SignalCommand => new JsonObject { ["Handle"] = this.random.Next(1, 4), ["Signal"] = 15 },
            "$/cancelRequest" => new JsonObject { ["id"] = this.nextId - 1 },
            BrokerMethods.OpenDirectory => new JsonObject { ["Path"] = this.random.Next(2) == 0 ? readRoot : writeRoot },
            _ => new JsonObject { ["Path"] = this.random.Next(2) == 0 ? read : write },
        };
        var request = new JsonObject { ["jsonrpc"] = "2.0", ["method"] = method, ["params"] = new JsonArray(argument) };
        if (method != "$/cancelRequest")
        {
            request["id"] = this.nextId++;
        }

        return request;
    }

    /// <summary>Changes one value somewhere in the request, keeping the JSON valid (and mostly its shape).</summary>
    private void MutateValue(JsonObject request)
    {
        var argument = (request["params"] as JsonArray)?[0] as JsonObject;
        int roll = this.random.Next(100);
        if (roll == 0)
        {
            request["params"] = this.random.Next(2) == 0 ? new JsonArray() : new JsonArray(argument?.DeepClone(), 1, "two");
            return;
        }

        if (roll == 1)
        {
            request["id"] = this.random.Next(3) switch { 0 => "text-id", 1 => 1, _ => long.MaxValue };
            return;
        }

        if (roll == 2)
        {
            request["method"] = MutatedMethods[this.random.Next(MutatedMethods.Length)];
            return;
        }

        if (argument is null || argument.Count == 0)
        {
            return;
        }

        string key = argument.ElementAt(this.random.Next(argument.Count)).Key;
        if (this.random.Next(20) == 0)
        {
            // Another type altogether: StreamJsonRpc refuses it, and the broker ends the connection.
            argument[key] = this.random.Next(6) switch
            {
                0 => null,
                1 => -1,
                2 => long.MaxValue,
                3 => 1e308,
                4 => new JsonArray(1, 2),
                _ => new JsonObject { ["nested"] = true },
            };
            return;
        }

        // The same type, another value: what reaches the broker's own checks.
        argument[key] = argument[key]?.GetValueKind() switch
        {
            JsonValueKind.String => this.RandomPath(),
            JsonValueKind.Number => this.random.Next(4) switch { 0 => -1, 1 => 0, 2 => int.MaxValue, _ => this.random.Next(-5, 100) },
            JsonValueKind.True or JsonValueKind.False => this.random.Next(2) == 0,
            JsonValueKind.Array => new JsonArray([.. Enumerable.Range(0, this.random.Next(0, 5)).Select(_ => (JsonNode?)this.RandomPath())]),
            _ => argument[key]?.DeepClone(),
        };
    }

    /// <summary>A path a client should not get far with: traversal, procfs, too long, NUL, random text.</summary>
    private string RandomPath() =>
        this.random.Next(8) switch
        {
            0 => new string('a', this.random.Next(200, 5000)),
            1 => Path.Combine(readRoot, "..", "..", "etc", "shadow"),
            2 => "/proc/self/fd/" + this.random.Next(0, 64),
            3 => "/proc/1/" + (this.random.Next(2) == 0 ? "environ" : "mem"),
            4 => writeRoot + "/" + new string('n', 300),
            5 => "rel\0ative",
            6 => readRoot + "/" + this.RandomText(),
            _ => this.RandomText(),
        };

    private byte[] WrongLength(byte[] body)
    {
        var frame = Frame(body);
        int length = this.random.Next(2) == 0 ? this.random.Next(1, body.Length) : this.random.Next(int.MinValue, int.MaxValue);
        BinaryPrimitives.WriteInt32BigEndian(frame, length);
        return frame;
    }

    private byte[] FlipBytes(byte[] data)
    {
        var copy = (byte[])data.Clone();
        for (int i = 0, n = this.random.Next(1, 4); i < n && copy.Length > 0; i++)
        {
            copy[this.random.Next(copy.Length)] ^= (byte)(1 << this.random.Next(8));
        }

        return copy;
    }

    private byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        this.random.NextBytes(bytes);
        return bytes;
    }

    private string RandomText()
    {
        var text = new StringBuilder();
        for (int i = 0, n = this.random.Next(0, 40); i < n; i++)
        {
            text.Append((char)this.random.Next(1, 0xD7FF));
        }

        return text.ToString();
    }
}

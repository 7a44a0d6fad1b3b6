using System.Security.Cryptography;
using System.Text;
using PrivSep.Broker.Audit;

namespace PrivSep.Broker.Tests.Audit;

/// <summary>A private directory for one test's log, removed afterwards.</summary>
internal sealed class TempAuditDirectory : IDisposable
{
    public TempAuditDirectory()
    {
        Root = Directory.CreateTempSubdirectory("privsep-audit-").FullName;
    }

    public string Root { get; }

    public string LogPath => Path.Combine(Root, "audit.jsonl");

    public string HeadPath => LogPath + ".head";

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A mount left behind by a failed test; not worth failing another test over.
        }
    }
}

/// <summary>Records to append and byte-exact access to what landed in the files.</summary>
internal static class AuditTestFiles
{
    public static AuditRecord Record(int i = 0, string? plugin = "PingCheck") => new()
    {
        Pid = 4242,
        Uid = 1001,
        Gid = 1001,
        Plugin = plugin,
        Action = "file.open",
        Args = [new("path", $"/var/log/app{i}.log"), new("mode", "Open")],
        ResolvedPath = $"/var/log/app{i}.log",
        Decision = "allow",
        Rule = "files.read[0] \"/var/log/**\"",
        Outcome = "ok",
        DurationMicroseconds = 87,
    };

    public static void AppendRecords(string logPath, int count)
    {
        using AuditLog log = AuditLog.Open(logPath);
        for (int i = 0; i < count; i++)
        {
            log.Append(Record(i));
        }
    }

    /// <summary>The log's lines as exact bytes, without their LFs (a last line without LF included).</summary>
    public static List<byte[]> ReadLines(string logPath)
    {
        byte[] bytes = File.ReadAllBytes(logPath);
        var lines = new List<byte[]>();
        int start = 0;
        for (int i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == (byte)'\n')
            {
                lines.Add(bytes[start..i]);
                start = i + 1;
            }
        }

        if (start < bytes.Length)
        {
            lines.Add(bytes[start..]);
        }

        return lines;
    }

    public static void WriteLines(string logPath, IEnumerable<byte[]> lines)
    {
        using var stream = new MemoryStream();
        foreach (byte[] line in lines)
        {
            stream.Write(line);
            stream.WriteByte((byte)'\n');
        }

        File.WriteAllBytes(logPath, stream.ToArray());
    }

    public static string Text(byte[] line) => Encoding.UTF8.GetString(line);

    public static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    public static string Sha256Hex(byte[] line) => Convert.ToHexStringLower(SHA256.HashData(line));

    public static string Describe(AuditVerificationResult result) =>
        string.Join(Environment.NewLine, result.Problems.Select(p => $"[{p.LineNumber}] {p.Description}"));
}

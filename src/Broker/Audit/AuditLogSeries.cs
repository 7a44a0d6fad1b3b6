using System.Globalization;
using System.Text;

namespace PrivSep.Broker.Audit;

/// <summary>
/// The files one audit chain spans once it rotates: the live log (<c>audit.jsonl</c>), the files rotated out of it
/// (the broker names them <c>audit.jsonl.&lt;last seq, 20 digits&gt;</c>; logrotate may name them otherwise), and the head
/// file (<c>audit.jsonl.head</c>), which always names the newest line of the live log.
/// </summary>
public static class AuditLogSeries
{
    private const int SeqDigits = 20;

    /// <summary>The name the broker gives the file it rotates out: the live log's name and the seq of its last line.</summary>
    public static string ArchivePath(string logPath, long lastSequence) =>
        logPath + "." + lastSequence.ToString("D20", CultureInfo.InvariantCulture);

    /// <summary>
    /// Every file of the chain beside <paramref name="logPath"/>, oldest first: the rotated files (any name
    /// <c>LOG.*</c> but the head file, ordered by the seq of their first line, so logrotate's numbering and date
    /// suffixes work too), then the live log if it exists.
    /// </summary>
    public static IReadOnlyList<string> Discover(string logPath)
    {
        logPath = Path.GetFullPath(logPath);
        var rotated = RotatedFiles(logPath)
            .Select(path => (Path: path, FirstSeq: FirstSequence(path)))
            .OrderBy(file => file.FirstSeq)
            .ThenBy(file => file.Path, StringComparer.Ordinal)
            .Select(file => file.Path)
            .ToList();
        if (File.Exists(logPath))
        {
            rotated.Add(logPath);
        }

        return rotated;
    }

    /// <summary>The broker's own rotated files beyond the newest <paramref name="keep"/>, oldest first.</summary>
    internal static IReadOnlyList<string> ArchivesBeyond(string logPath, int keep)
    {
        string prefix = Path.GetFileName(logPath) + ".";
        var archives = RotatedFiles(logPath)
            .Where(path => IsArchiveName(Path.GetFileName(path), prefix))
            .Order(StringComparer.Ordinal)
            .ToList();
        return archives.Count > keep ? archives[..^keep] : [];
    }

    /// <summary>
    /// The rotated file whose last line is the one <paramref name="head"/> names: the file the live log continues
    /// when the broker stopped after a rotation (by logrotate, or its own) and before the new file's first line.
    /// </summary>
    internal static string? FindFileEndingAt(string logPath, AuditHead head)
    {
        foreach (string path in RotatedFiles(logPath))
        {
            try
            {
                using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                long length = RandomAccess.GetLength(file);
                if (AuditLogTail.TryReadLastLine(file, path, length, out AuditHead last, out _) && last == head)
                {
                    return path;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Not readable: not the file this chain continues.
            }
        }

        return null;
    }

    private static IEnumerable<string> RotatedFiles(string logPath)
    {
        string? directory = Path.GetDirectoryName(logPath);
        string name = Path.GetFileName(logPath);
        if (directory is null || !Directory.Exists(directory))
        {
            return [];
        }

        string headName = name + ".head";
        return Directory.EnumerateFiles(directory, name + ".*")
            .Where(path => Path.GetFileName(path) is { } file && file != headName && file.StartsWith(name + ".", StringComparison.Ordinal));
    }

    private static bool IsArchiveName(string fileName, string prefix) =>
        fileName.Length == prefix.Length + SeqDigits
        && fileName.StartsWith(prefix, StringComparison.Ordinal)
        && fileName.AsSpan(prefix.Length).ContainsAnyExceptInRange('0', '9') is false;

    /// <summary>The seq of a file's first line; files that do not start with an audit line sort last.</summary>
    private static long FirstSequence(string path)
    {
        try
        {
            using var reader = new StreamReader(path, Encoding.ASCII);
            string? first = reader.ReadLine();
            return first is not null && AuditLineParser.TryParse(Encoding.ASCII.GetBytes(first), out ParsedAuditLine line, out _)
                ? line.Seq
                : long.MaxValue;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return long.MaxValue;
        }
    }
}

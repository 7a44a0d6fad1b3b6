using System.Net.NetworkInformation;
using PrivSep.Shim.Client;
using PrivSep.Shim.Replacements;

/// <summary>
/// What the end-to-end tests ask an unprivileged client to do, through the Shim's replacement members — the same
/// calls a rewritten plugin makes, fast path included (the original BCL call first, the broker on a refusal).
/// </summary>
internal static class Commands
{
    public static string Read(string path) => FileShims.ReadAllText(path);

    public static string Write(string path, string text)
    {
        FileShims.WriteAllText(path, text);
        return "written";
    }

    public static string Append(string path, string text)
    {
        FileShims.AppendAllText(path, text);
        return "appended";
    }

    public static string Delete(string path)
    {
        FileShims.Delete(path);
        return "deleted";
    }

    public static string Exists(string path) => FileShims.Exists(path) ? "exists" : "missing";

    public static string List(string path) =>
        string.Join(",", DirectoryShims.EnumerateFileSystemEntries(path).Select(Path.GetFileName).Order(StringComparer.Ordinal));

    public static string MakeDirectory(string path)
    {
        DirectoryShims.CreateDirectory(path);
        return "created";
    }

    public static string Ping(string host)
    {
        using var ping = new Ping();
        return PingShims.Send(ping, host, 2000).Status.ToString();
    }

    public static string Sleep(string milliseconds)
    {
        Thread.Sleep(int.Parse(milliseconds, System.Globalization.CultureInfo.InvariantCulture));
        return "slept";
    }

    /// <summary>Holds a broker-side directory handle open (straight through the broker client), so a test can kill this process mid-use.</summary>
    public static string Hold(string path, int seconds)
    {
        using var entries = BrokeredFileSystem.EnumerateDirectory(path).GetEnumerator();
        entries.MoveNext();
        Console.WriteLine("{\"command\":\"hold\",\"ok\":true,\"value\":\"holding\"}");
        Console.Out.Flush();
        Thread.Sleep(TimeSpan.FromSeconds(seconds));
        return "released";
    }
}

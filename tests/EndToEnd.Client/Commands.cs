using PrivSep.Shim.Client;

/// <summary>What the end-to-end tests ask an unprivileged client to do, through the Shim.</summary>
internal static class Commands
{
    public static string Read(string path)
    {
        using var stream = BrokeredFileSystem.OpenFile(path, FileMode.Open, FileAccess.Read);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public static string Write(string path, string text)
    {
        using var stream = BrokeredFileSystem.OpenFile(path, FileMode.Create, FileAccess.Write);
        using var writer = new StreamWriter(stream);
        writer.Write(text);
        return "written";
    }

    public static string Append(string path, string text)
    {
        using var stream = BrokeredFileSystem.OpenFile(path, FileMode.Append, FileAccess.Write);
        using var writer = new StreamWriter(stream);
        writer.Write(text);
        return "appended";
    }

    public static string Delete(string path)
    {
        BrokeredFileSystem.DeleteFile(path);
        return "deleted";
    }

    public static string Exists(string path) => BrokeredFileSystem.GetStatus(path).Kind.ToString();

    public static string List(string path) => string.Join(",", BrokeredFileSystem.EnumerateDirectory(path).Select(e => e.Name).Order(StringComparer.Ordinal));

    public static string MakeDirectory(string path)
    {
        BrokeredFileSystem.CreateDirectory(path);
        return "created";
    }

    public static string Ping(string host) => BrokeredPing.Send(host, 2000, new byte[32], null).Status.ToString();

    public static string Hold(string path, int seconds)
    {
        using var entries = BrokeredFileSystem.EnumerateDirectory(path).GetEnumerator();
        entries.MoveNext();
        Console.WriteLine("{\"command\":\"hold\",\"ok\":true,\"value\":\"holding\"}");
        Console.Out.Flush();
        Thread.Sleep(TimeSpan.FromSeconds(seconds));
        return "released";
    }

    public static string Sleep(string milliseconds)
    {
        Thread.Sleep(int.Parse(milliseconds, System.Globalization.CultureInfo.InvariantCulture));
        return "slept";
    }
}

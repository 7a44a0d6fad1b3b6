namespace PrivSep.Shim.Tests.Support;

/// <summary>A fresh directory under the system temp folder, removed on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        this.Path = Directory.CreateTempSubdirectory("privsep-shim-tests-").FullName;
    }

    public string Path { get; }

    public string this[string relative] => System.IO.Path.Combine(this.Path, relative);

    public string Write(string relative, string contents)
    {
        string full = this[relative];
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, contents);
        return full;
    }

    /// <summary>A <c>/bin/sh</c> script, mode 0755.</summary>
    public string WriteScript(string relative, string body)
    {
        string full = this.Write(relative, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(full, (UnixFileMode)0b111_101_101);
        return full;
    }

    public string WriteBytes(string relative, byte[] contents)
    {
        string full = this[relative];
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, contents);
        return full;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(this.Path, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is not worth failing a test over.
        }
    }
}

using System.Text;
using PrivSep.Shim.Routing;

namespace PrivSep.Shim.Replacements;

/// <summary>File.OpenRead, OpenText, Open, OpenWrite, Create and AppendText: each the FileStream (or reader, writer) File would construct.</summary>
public static partial class FileShims
{
    [Replaces("M:System.IO.File.OpenRead(System.String)")]
    public static FileStream OpenRead(string path) =>
        FileStreamShims.Open(() => File.OpenRead(path), path, FileMode.Open, FileAccess.Read, FileShare.Read, DefaultBufferSize, FileOptions.None);

    [Replaces("M:System.IO.File.OpenText(System.String)")]
    public static StreamReader OpenText(string path) =>
        Run(path, () => File.OpenText(path), () => StreamReaderShims.OpenThroughBroker(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: null));

    [Replaces("M:System.IO.File.Open(System.String,System.IO.FileMode)")]
    public static FileStream Open(string path, FileMode mode) =>
        FileStreamShims.Open(() => File.Open(path, mode), path, mode, mode == FileMode.Append ? FileAccess.Write : FileAccess.ReadWrite, FileShare.None, DefaultBufferSize, FileOptions.None);

    [Replaces("M:System.IO.File.Open(System.String,System.IO.FileMode,System.IO.FileAccess)")]
    public static FileStream Open(string path, FileMode mode, FileAccess access) =>
        FileStreamShims.Open(() => File.Open(path, mode, access), path, mode, access, FileShare.None, DefaultBufferSize, FileOptions.None);

    [Replaces("M:System.IO.File.Open(System.String,System.IO.FileMode,System.IO.FileAccess,System.IO.FileShare)")]
    public static FileStream Open(string path, FileMode mode, FileAccess access, FileShare share) =>
        FileStreamShims.Open(() => File.Open(path, mode, access, share), path, mode, access, share, DefaultBufferSize, FileOptions.None);

    [Replaces("M:System.IO.File.Open(System.String,System.IO.FileStreamOptions)")]
    public static FileStream Open(string path, FileStreamOptions options) =>
        Run(path, () => File.Open(path, options), () => BrokeredFileOpen.Open(path, options));

    [Replaces("M:System.IO.File.OpenWrite(System.String)")]
    public static FileStream OpenWrite(string path) =>
        FileStreamShims.Open(() => File.OpenWrite(path), path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.None, DefaultBufferSize, FileOptions.None);

    [Replaces("M:System.IO.File.Create(System.String)")]
    public static FileStream Create(string path) =>
        FileStreamShims.Open(() => File.Create(path), path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, DefaultBufferSize, FileOptions.None);

    [Replaces("M:System.IO.File.Create(System.String,System.Int32)")]
    public static FileStream Create(string path, int bufferSize) =>
        FileStreamShims.Open(() => File.Create(path, bufferSize), path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, bufferSize, FileOptions.None);

    [Replaces("M:System.IO.File.Create(System.String,System.Int32,System.IO.FileOptions)")]
    public static FileStream Create(string path, int bufferSize, FileOptions options) =>
        FileStreamShims.Open(() => File.Create(path, bufferSize, options), path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, bufferSize, options);

    [Replaces("M:System.IO.File.AppendText(System.String)")]
    public static StreamWriter AppendText(string path) =>
        Run(path, () => File.AppendText(path), () => StreamWriterShims.OpenThroughBroker(path, append: true, StreamWriterShims.UTF8NoBOM, bufferSize: null));
}

namespace PrivSep.Protocol.Contracts;

/// <summary>
/// The broker's request table: the only JSON-RPC method names it serves. A request for any other name
/// ends the connection (as OpenSSH's monitor does), so the names live in one place both sides compile against.
/// </summary>
public static class BrokerMethods
{
    public const string OpenFile = "file.open";
    public const string GetFileStatus = "file.stat";
    public const string DeleteFile = "file.delete";
    public const string MoveFile = "file.move";
    public const string GetLinkStatus = "file.lstat";
    public const string SetFileTimes = "file.settimes";
    public const string SetFileMode = "file.setmode";
    public const string CreateSymbolicLink = "link.create";
    public const string CreateDirectory = "dir.create";
    public const string MoveDirectory = "dir.move";
    public const string DeleteDirectory = "dir.delete";
    public const string OpenDirectory = "dir.open";
    public const string ReadDirectory = "dir.read";
    public const string CloseHandle = "handle.close";
    public const string Ping = "net.ping";
    public const string CheckCommand = "exec.check";
    public const string StartCommand = "exec.start";
    public const string WaitCommand = "exec.wait";
    public const string SignalCommand = "exec.signal";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        OpenFile, GetFileStatus, GetLinkStatus, SetFileTimes, SetFileMode, CreateSymbolicLink, DeleteFile, MoveFile,
        CreateDirectory, MoveDirectory, DeleteDirectory,
        OpenDirectory, ReadDirectory, CloseHandle, Ping,
        CheckCommand, StartCommand, WaitCommand, SignalCommand,
    };
}

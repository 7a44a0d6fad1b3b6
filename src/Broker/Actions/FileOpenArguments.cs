using PrivSep.Broker.FileSystem;
using PrivSep.Broker.Interop;
using PrivSep.Broker.Service;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Broker.Actions;

/// <summary>The validated, normalized form of an <see cref="OpenFileRequest"/>: enum ranges and combinations as the BCL checks them.</summary>
internal sealed record FileOpenArguments(string Path, FileMode Mode, FileAccess Access, FileOptions Options, bool NamesDirectory)
{
    private const FileOptions SupportedOptions = FileOptions.Asynchronous | FileOptions.SequentialScan | FileOptions.RandomAccess | FileOptions.WriteThrough;

    /// <summary>True when the open can create, truncate or write: it then needs a files.write rule and a write root.</summary>
    public bool NeedsWrite => (this.Access & FileAccess.Write) != 0 || this.Mode is not FileMode.Open;

    public bool MayCreate => !this.NamesDirectory && this.Mode is FileMode.Create or FileMode.CreateNew or FileMode.OpenOrCreate or FileMode.Append;

    public static FileOpenArguments From(OpenFileRequest request)
    {
        string path = BrokerPath.Validate(request.Path);
        if (!Enum.IsDefined(request.Mode))
        {
            throw BrokerActionException.Invalid($"Unknown FileMode {(int)request.Mode}.");
        }

        if (request.Access is not (FileAccess.Read or FileAccess.Write or FileAccess.ReadWrite))
        {
            throw BrokerActionException.Invalid($"Unknown FileAccess {(int)request.Access}.");
        }

        if ((request.Options & ~SupportedOptions) != 0)
        {
            throw BrokerActionException.Invalid($"FileOptions {request.Options} are not supported through the broker (supported: {SupportedOptions}).");
        }

        if (request.Access == FileAccess.Read && request.Mode is FileMode.Create or FileMode.CreateNew or FileMode.Truncate or FileMode.Append)
        {
            throw BrokerActionException.Invalid($"Combining FileMode: {request.Mode} with FileAccess: Read is invalid.");
        }

        if (request.Mode == FileMode.Append && request.Access != FileAccess.Write)
        {
            throw BrokerActionException.Invalid("Append access can be requested only in write-only mode.");
        }

        bool namesDirectory = request.Path.Length > 1 && request.Path[^1] == '/';
        return new FileOpenArguments(path, request.Mode, request.Access, request.Options, namesDirectory);
    }

    public int AccessFlags =>
        (this.Access switch { FileAccess.Read => LibC.O_RDONLY, FileAccess.Write => LibC.O_WRONLY, _ => LibC.O_RDWR })
        | (this.Mode == FileMode.Append ? LibC.O_APPEND : 0);
}

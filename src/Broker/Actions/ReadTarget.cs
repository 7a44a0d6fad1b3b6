using PrivSep.Broker.FileSystem;
using PrivSep.Broker.Interop;
using PrivSep.Broker.Service;

namespace PrivSep.Broker.Actions;

/// <summary>
/// What a read-type request (open for reading, stat, list) found at its path: the object opened with O_PATH, or
/// where a missing object would be. Nothing about the object — not even whether it exists or what type it is — is
/// told to the client before the policy has allowed the question this produces.
/// </summary>
internal sealed class ReadTarget : IDisposable
{
    private ReadTarget(string path, OpenedObject? opened, ErrnoException? missing, string questionPath)
    {
        this.Path = path;
        this.Opened = opened;
        this.Missing = missing;
        this.Question = PolicyQuestion.Read(questionPath);
    }

    public string Path { get; }

    /// <summary>Null when nothing exists at the path.</summary>
    public OpenedObject? Opened { get; }

    public ErrnoException? Missing { get; }

    public PolicyQuestion Question { get; }

    public static ReadTarget Open(string path, bool directory = false)
    {
        OpenedObject opened;
        try
        {
            opened = ObjectOpener.OpenFollowing(path, directory);
        }
        catch (ErrnoException ex) when (ex.Errno is LibC.ENOENT or LibC.ENOTDIR)
        {
            string location = MissingTarget.Locate(path);
            ObjectChecks.RequireNotBrokerProc(location, path);
            return new ReadTarget(path, null, ex, location);
        }
        catch (ErrnoException ex)
        {
            throw ErrnoMapping.ToActionException(ex, path);
        }

        try
        {
            ObjectChecks.RequireNotBrokerProc(opened.ResolvedPath, path);
        }
        catch
        {
            opened.Dispose();
            throw;
        }

        return new ReadTarget(path, opened, null, opened.ResolvedPath);
    }

    /// <summary>After the policy allowed it: the object, or the error a missing one gives.</summary>
    public OpenedObject RequireExisting() =>
        this.Opened ?? throw ErrnoMapping.ToActionException(this.Missing!, this.Path);

    public void Dispose() => this.Opened?.Dispose();
}

using System.Text;
using PrivSep.Shim.Replacements;
using PrivSep.Shim.Tests.Support;

namespace PrivSep.Shim.Tests.Replacements;

/// <summary>
/// With every call routed to the broker no original validates the arguments, so the replacements must: each invalid call
/// fails as the BCL's does (same exception type and parameter name) and nothing is sent (the broker here fails the test
/// if asked anything).
/// </summary>
[TestClass]
public sealed class FileArgumentValidationTests
{
    private RoutingScope scope = null!;
    private TempDirectory temp = null!;

    [TestInitialize]
    public void Start()
    {
        this.scope = RoutingScope.AllToBroker(new RefusingBrokerActions());
        this.temp = new TempDirectory();
    }

    [TestCleanup]
    public void Finish()
    {
        this.temp.Dispose();
        this.scope.Dispose();
    }

    [TestMethod]
    public void ReadMembers()
    {
        string path = this.temp.Write("x.txt", "x");
        SameFailure.Assert(() => File.ReadAllText(null!), () => FileShims.ReadAllText(null!));
        SameFailure.Assert(() => File.ReadAllText(string.Empty), () => FileShims.ReadAllText(string.Empty));
        SameFailure.Assert(() => File.ReadAllText(path, null!), () => FileShims.ReadAllText(path, null!));
        SameFailure.Assert(() => File.ReadAllBytes(null!), () => FileShims.ReadAllBytes(null!));
        SameFailure.Assert(() => File.ReadAllBytes(string.Empty), () => FileShims.ReadAllBytes(string.Empty));
        SameFailure.Assert(() => File.ReadAllLines(path, null!), () => FileShims.ReadAllLines(path, null!));
        SameFailure.Assert(() => File.ReadLines(string.Empty), () => FileShims.ReadLines(string.Empty));
        SameFailure.Assert(() => File.ReadLinesAsync(null!), () => FileShims.ReadLinesAsync(null!));
        SameFailure.Assert(() => File.ReadAllTextAsync(null!), () => FileShims.ReadAllTextAsync(null!));
        SameFailure.Assert(() => File.ReadAllLinesAsync(path, null!), () => FileShims.ReadAllLinesAsync(path, null!));
        SameFailure.Assert(() => File.ReadAllBytesAsync(string.Empty), () => FileShims.ReadAllBytesAsync(string.Empty));
        SameFailure.Assert(() => File.OpenText(null!), () => FileShims.OpenText(null!));
        SameFailure.Assert(() => File.OpenRead(string.Empty), () => FileShims.OpenRead(string.Empty));
    }

    [TestMethod]
    public void WriteMembersFailBeforeTouchingTheFile()
    {
        string path = this.temp.Write("x.txt", "keep");
        SameFailure.Assert(() => File.WriteAllText(null!, "x"), () => FileShims.WriteAllText(null!, "x"));
        SameFailure.Assert(() => File.WriteAllText(path, "x", null!), () => FileShims.WriteAllText(path, "x", null!));
        SameFailure.Assert(() => File.WriteAllText(string.Empty, "x".AsSpan()), () => FileShims.WriteAllText(string.Empty, "x".AsSpan()));
        SameFailure.Assert(() => File.AppendAllText(path, "x".AsSpan(), null!), () => FileShims.AppendAllText(path, "x".AsSpan(), null!));
        SameFailure.Assert(() => File.WriteAllBytes(path, (byte[])null!), () => FileShims.WriteAllBytes(path, (byte[])null!));
        SameFailure.Assert(() => File.WriteAllBytes(string.Empty, ReadOnlySpan<byte>.Empty), () => FileShims.WriteAllBytes(string.Empty, ReadOnlySpan<byte>.Empty));
        SameFailure.Assert(() => File.WriteAllLines(path, (string[])null!), () => FileShims.WriteAllLines(path, (string[])null!));
        SameFailure.Assert(() => File.WriteAllLines(path, (IEnumerable<string>)null!, Encoding.UTF8), () => FileShims.WriteAllLines(path, (IEnumerable<string>)null!, Encoding.UTF8));
        SameFailure.Assert(() => File.AppendAllLines(path, ["x"], null!), () => FileShims.AppendAllLines(path, ["x"], null!));
        SameFailure.Assert(() => File.WriteAllTextAsync(null!, "x"), () => FileShims.WriteAllTextAsync(null!, "x"));
        SameFailure.Assert(() => File.AppendAllTextAsync(path, "x".AsMemory(), null!), () => FileShims.AppendAllTextAsync(path, "x".AsMemory(), null!));
        SameFailure.Assert(() => File.WriteAllBytesAsync(path, (byte[])null!), () => FileShims.WriteAllBytesAsync(path, (byte[])null!));
        SameFailure.Assert(() => File.WriteAllLinesAsync(path, null!), () => FileShims.WriteAllLinesAsync(path, null!));
        SameFailure.Assert(() => File.AppendAllLinesAsync(string.Empty, ["x"]), () => FileShims.AppendAllLinesAsync(string.Empty, ["x"]));
        SameFailure.Assert(() => File.AppendText(string.Empty), () => FileShims.AppendText(string.Empty));
        SameFailure.Assert(() => File.Create(path, -1), () => FileShims.Create(path, -1));
        SameFailure.Assert(() => File.Create(path, 16, (FileOptions)1), () => FileShims.Create(path, 16, (FileOptions)1));
        Assert.AreEqual("keep", File.ReadAllText(path));
    }

    [TestMethod]
    public void StreamConstructors()
    {
        string path = this.temp.Write("x.txt", "keep");
        SameFailure.Assert(() => new StreamReader(path, Encoding.UTF8, true, 0), () => StreamReaderShims.New(path, Encoding.UTF8, true, 0));
        SameFailure.Assert(() => new StreamReader(path, Encoding.UTF8, true, -1), () => StreamReaderShims.New(path, Encoding.UTF8, true, -1));
        SameFailure.Assert(() => new StreamReader((string)null!), () => StreamReaderShims.New((string)null!));
        SameFailure.Assert(() => new StreamReader(path, (FileStreamOptions)null!), () => StreamReaderShims.New(path, (FileStreamOptions)null!));
        SameFailure.Assert(
            () => new StreamReader(path, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write }),
            () => StreamReaderShims.New(path, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write }));
        SameFailure.Assert(() => new StreamWriter(path, false, Encoding.UTF8, 0), () => StreamWriterShims.New(path, false, Encoding.UTF8, 0));
        SameFailure.Assert(() => new StreamWriter(string.Empty), () => StreamWriterShims.New(string.Empty));
        SameFailure.Assert(() => new StreamWriter(path, new FileStreamOptions()), () => StreamWriterShims.New(path, new FileStreamOptions()));
        SameFailure.Assert(() => new StreamWriter(path, Encoding.UTF8, null!), () => StreamWriterShims.New(path, Encoding.UTF8, null!));
        SameFailure.Assert(() => new FileStream(path, FileMode.Append, FileAccess.Read), () => FileStreamShims.New(path, FileMode.Append, FileAccess.Read));
        SameFailure.Assert(() => new FileStream(path, FileMode.Truncate, FileAccess.Read), () => FileStreamShims.New(path, FileMode.Truncate, FileAccess.Read));
        SameFailure.Assert(() => new FileStream(path, (FileMode)0), () => FileStreamShims.New(path, (FileMode)0));
        SameFailure.Assert(() => new FileStream(path, FileMode.Open, (FileAccess)8), () => FileStreamShims.New(path, FileMode.Open, (FileAccess)8));
        SameFailure.Assert(() => new FileStream(path, FileMode.Open, FileAccess.Read, (FileShare)64), () => FileStreamShims.New(path, FileMode.Open, FileAccess.Read, (FileShare)64));
        SameFailure.Assert(() => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, -5), () => FileStreamShims.New(path, FileMode.Open, FileAccess.Read, FileShare.Read, -5));
        SameFailure.Assert(() => new FileStream(path, (FileStreamOptions)null!), () => FileStreamShims.New(path, (FileStreamOptions)null!));
        SameFailure.Assert(
            () => new FileStream(path, new FileStreamOptions { Mode = FileMode.Open, UnixCreateMode = UnixFileMode.UserRead }),
            () => FileStreamShims.New(path, new FileStreamOptions { Mode = FileMode.Open, UnixCreateMode = UnixFileMode.UserRead }));
        SameFailure.Assert(() => File.Open(path, FileMode.Append, FileAccess.ReadWrite), () => FileShims.Open(path, FileMode.Append, FileAccess.ReadWrite));
        Assert.AreEqual("keep", File.ReadAllText(path));
    }

    [TestMethod]
    public void ManagementMembers()
    {
        string path = this.temp.Write("x.txt", "keep");
        SameFailure.Assert(() => File.Copy(null!, path), () => FileShims.Copy(null!, path));
        SameFailure.Assert(() => File.Copy(path, string.Empty, true), () => FileShims.Copy(path, string.Empty, true));
        SameFailure.Assert(() => File.Move(string.Empty, path), () => FileShims.Move(string.Empty, path));
        SameFailure.Assert(() => File.Move(path, null!, true), () => FileShims.Move(path, null!, true));
        SameFailure.Assert(() => File.Delete(null!), () => FileShims.Delete(null!));
        SameFailure.Assert(() => File.GetAttributes(string.Empty), () => FileShims.GetAttributes(string.Empty));
        SameFailure.Assert(() => File.GetLastWriteTimeUtc((string)null!), () => FileShims.GetLastWriteTimeUtc(null!));
    }

    [TestMethod]
    public async Task CancelledAsyncCallsAreCancelledTasks()
    {
        string path = this.temp.Write("x.txt", "keep");
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.IsTrue(FileShims.ReadAllTextAsync(path, cancelled.Token).IsCanceled);
        Assert.IsTrue(FileShims.ReadAllBytesAsync(path, cancelled.Token).IsCanceled);
        Assert.IsTrue(FileShims.WriteAllTextAsync(path, "x", cancelled.Token).IsCanceled);
        Assert.IsTrue(FileShims.AppendAllLinesAsync(path, ["x"], cancelled.Token).IsCanceled);
        await Assert.ThrowsAsync<OperationCanceledException>(() => FileShims.WriteAllBytesAsync(path, new byte[] { 1 }, cancelled.Token));
        Assert.AreEqual("keep", File.ReadAllText(path));
    }
}

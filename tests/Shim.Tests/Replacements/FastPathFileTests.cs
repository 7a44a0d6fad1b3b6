using System.Text;
using PrivSep.Shim.Replacements;
using PrivSep.Shim.Tests.Support;

namespace PrivSep.Shim.Tests.Replacements;

/// <summary>
/// For files the current user can reach, the file replacements behave exactly like the BCL and never try the broker:
/// the Shim points at a socket that does not exist, and a recorder behind the client facade must stay empty.
/// </summary>
[TestClass]
public sealed class FastPathFileTests
{
    private RoutingScope scope = null!;
    private RecordingBrokerActions recorder = null!;
    private TempDirectory temp = null!;

    [TestInitialize]
    public void Start()
    {
        this.scope = RoutingScope.FastPathWithUnreachableBroker(out this.recorder);
        this.temp = new TempDirectory();
    }

    [TestCleanup]
    public void Finish()
    {
        var calls = this.recorder.Calls;
        this.temp.Dispose();
        this.scope.Dispose();
        Assert.IsEmpty(calls, "the broker was tried: " + string.Join("; ", calls));
    }

    [TestMethod]
    public async Task ReadsAsTheBclDoes()
    {
        string path = this.temp.WriteBytes("bom.txt", [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes("héllo\nwörld\n")]);

        Assert.AreEqual(File.ReadAllText(path), FileShims.ReadAllText(path));
        Assert.AreEqual(File.ReadAllText(path, Encoding.Latin1), FileShims.ReadAllText(path, Encoding.Latin1));
        CollectionAssert.AreEqual(File.ReadAllBytes(path), FileShims.ReadAllBytes(path));
        CollectionAssert.AreEqual(File.ReadAllLines(path), FileShims.ReadAllLines(path));
        CollectionAssert.AreEqual(File.ReadLines(path).ToList(), FileShims.ReadLines(path).ToList());
        Assert.AreEqual(await File.ReadAllTextAsync(path), await FileShims.ReadAllTextAsync(path));
        CollectionAssert.AreEqual(await File.ReadAllBytesAsync(path), await FileShims.ReadAllBytesAsync(path));
        CollectionAssert.AreEqual(await File.ReadAllLinesAsync(path), await FileShims.ReadAllLinesAsync(path));
        CollectionAssert.AreEqual(await File.ReadLinesAsync(path).ToListAsync(), await FileShims.ReadLinesAsync(path).ToListAsync());
        CollectionAssert.AreEqual(File.ReadAllBytes("/proc/version"), FileShims.ReadAllBytes("/proc/version"));
    }

    [TestMethod]
    public void MissingFilesStayMissing()
    {
        string missing = this.temp["missing.txt"];

        Assert.ThrowsExactly<FileNotFoundException>(() => FileShims.ReadAllText(missing));
        Assert.ThrowsExactly<FileNotFoundException>(() => FileShims.ReadAllBytes(missing));
        Assert.ThrowsExactly<FileNotFoundException>(() => FileShims.ReadLines(missing));
        Assert.ThrowsExactly<FileNotFoundException>(() => FileShims.OpenRead(missing));
        Assert.ThrowsExactly<FileNotFoundException>(() => FileStreamShims.New(missing, FileMode.Open));
        Assert.ThrowsExactly<FileNotFoundException>(() => StreamReaderShims.New(missing));
        Assert.ThrowsExactly<FileNotFoundException>(() => FileShims.GetAttributes(missing));
        Assert.ThrowsExactly<FileNotFoundException>(() => FileShims.Move(missing, this.temp["b.txt"]));
        Assert.ThrowsExactly<FileNotFoundException>(() => FileShims.Copy(missing, this.temp["b.txt"]));
        Assert.ThrowsExactly<DirectoryNotFoundException>(() => FileShims.WriteAllText(this.temp["no/such/dir.txt"], "x"));
        Assert.ThrowsExactlyAsync<FileNotFoundException>(() => FileShims.ReadAllTextAsync(missing)).GetAwaiter().GetResult();
        Assert.IsFalse(FileShims.Exists(missing));
        Assert.IsFalse(FileShims.Exists(this.temp.Path), "a directory is no file");
        Assert.IsFalse(FileShims.Exists(null));
        Assert.AreEqual(File.GetLastWriteTimeUtc(missing), FileShims.GetLastWriteTimeUtc(missing));
        FileShims.Delete(missing);
    }

    [TestMethod]
    public async Task WritesAndAppendsAsTheBclDoes()
    {
        var expected = new TempDirectory();
        try
        {
            void Both(Action<string> bcl, Action<string> shim, string name)
            {
                bcl(Path.Combine(expected.Path, name));
                shim(this.temp[name]);
            }

            Both(p => File.WriteAllText(p, "one"), p => FileShims.WriteAllText(p, "one"), "text.txt");
            Both(p => File.AppendAllText(p, "two", Encoding.UTF8), p => FileShims.AppendAllText(p, "two", Encoding.UTF8), "text.txt");
            Both(p => File.WriteAllText(p, "bom", Encoding.UTF8), p => FileShims.WriteAllText(p, "bom", Encoding.UTF8), "bom.txt");
            Both(p => File.WriteAllText(p, "span".AsSpan()), p => FileShims.WriteAllText(p, "span".AsSpan()), "span.txt");
            Both(p => File.AppendAllText(p, "span".AsSpan(), Encoding.Unicode), p => FileShims.AppendAllText(p, "span".AsSpan(), Encoding.Unicode), "span.txt");
            Both(p => File.WriteAllBytes(p, [1, 2, 3]), p => FileShims.WriteAllBytes(p, [1, 2, 3]), "bytes.bin");
            Both(p => File.WriteAllBytes(p, new ReadOnlySpan<byte>([4, 5])), p => FileShims.WriteAllBytes(p, new ReadOnlySpan<byte>([4, 5])), "span.bin");
            Both(p => File.WriteAllLines(p, ["a", "b"]), p => FileShims.WriteAllLines(p, ["a", "b"]), "lines.txt");
            Both(p => File.AppendAllLines(p, Enumerable.Range(0, 3).Select(i => $"n{i}")), p => FileShims.AppendAllLines(p, Enumerable.Range(0, 3).Select(i => $"n{i}")), "lines.txt");
            Both(p => File.WriteAllLines(p, new[] { "x" }.Select(s => s), Encoding.UTF32), p => FileShims.WriteAllLines(p, new[] { "x" }.Select(s => s), Encoding.UTF32), "utf32.txt");

            await File.WriteAllTextAsync(Path.Combine(expected.Path, "async.txt"), "a");
            await FileShims.WriteAllTextAsync(this.temp["async.txt"], "a");
            await File.AppendAllTextAsync(Path.Combine(expected.Path, "async.txt"), "b".AsMemory(), Encoding.UTF8);
            await FileShims.AppendAllTextAsync(this.temp["async.txt"], "b".AsMemory(), Encoding.UTF8);
            await File.AppendAllLinesAsync(Path.Combine(expected.Path, "async.txt"), ["c"]);
            await FileShims.AppendAllLinesAsync(this.temp["async.txt"], ["c"]);
            await File.WriteAllBytesAsync(Path.Combine(expected.Path, "async.bin"), new ReadOnlyMemory<byte>([9]));
            await FileShims.WriteAllBytesAsync(this.temp["async.bin"], new ReadOnlyMemory<byte>([9]));
            await File.WriteAllLinesAsync(Path.Combine(expected.Path, "async-lines.txt"), ["l"], Encoding.UTF8);
            await FileShims.WriteAllLinesAsync(this.temp["async-lines.txt"], ["l"], Encoding.UTF8);

            using (var writer = StreamWriterShims.New(this.temp["writer.txt"], append: false, Encoding.UTF8))
            {
                writer.Write("w");
            }

            using (var writer = FileShims.AppendText(this.temp["writer.txt"]))
            {
                writer.Write("x");
            }

            using (var writer = new StreamWriter(Path.Combine(expected.Path, "writer.txt"), append: false, Encoding.UTF8))
            {
                writer.Write("w");
            }

            using (var writer = File.AppendText(Path.Combine(expected.Path, "writer.txt")))
            {
                writer.Write("x");
            }

            foreach (string file in Directory.GetFiles(expected.Path))
            {
                CollectionAssert.AreEqual(File.ReadAllBytes(file), File.ReadAllBytes(this.temp[Path.GetFileName(file)]), Path.GetFileName(file));
            }
        }
        finally
        {
            expected.Dispose();
        }
    }

    [TestMethod]
    public void OpensRealFileStreamsAsTheBclDoes()
    {
        string path = this.temp.Write("data.txt", "0123456789");

        using (var stream = FileStreamShims.New(path, FileMode.Open, FileAccess.Read))
        {
            Assert.AreEqual(path, stream.Name, "the original constructor ran");
            Assert.AreEqual(10, stream.Length);
        }

        using (var stream = FileShims.Open(path, FileMode.Append))
        {
            Assert.AreEqual(10, stream.Position);
            stream.WriteByte((byte)'!');
        }

        using (var stream = FileShims.Open(path, new FileStreamOptions { Mode = FileMode.Open, Access = FileAccess.Read, Options = FileOptions.Asynchronous }))
        {
            Assert.IsTrue(stream.IsAsync);
        }

        using (var reader = FileShims.OpenText(path))
        {
            Assert.AreEqual("0123456789!", reader.ReadToEnd());
        }

        using (var stream = FileShims.Create(this.temp["created.bin"], 16, FileOptions.None))
        {
            Assert.IsTrue(stream.CanWrite && stream.CanRead);
        }

        using (var stream = FileShims.OpenWrite(this.temp["created.bin"]))
        {
            Assert.IsFalse(stream.CanRead);
        }

        Assert.ThrowsExactly<IOException>(() => FileStreamShims.New(path, FileMode.CreateNew, FileAccess.Write));
        Assert.ThrowsExactly<UnauthorizedAccessException>(() => FileStreamShims.New(this.temp.Path, FileMode.Open), "a directory is refused by the BCL itself");
    }

    [TestMethod]
    public void CopiesMovesAndDeletesAsTheBclDoes()
    {
        string source = this.temp.Write("source.txt", "payload");
        string copy = this.temp["copy.txt"];

        FileShims.Copy(source, copy);
        Assert.AreEqual("payload", File.ReadAllText(copy));
        Assert.ThrowsExactly<IOException>(() => FileShims.Copy(source, copy), "overwrite: false and the destination exists");
        File.WriteAllText(source, "newer");
        FileShims.Copy(source, copy, overwrite: true);
        Assert.AreEqual("newer", File.ReadAllText(copy));

        string moved = this.temp["moved.txt"];
        FileShims.Move(copy, moved);
        Assert.IsTrue(FileShims.Exists(moved));
        Assert.IsFalse(FileShims.Exists(copy));
        Assert.ThrowsExactly<IOException>(() => FileShims.Move(source, moved));
        FileShims.Move(source, moved, overwrite: true);

        Assert.AreEqual(File.GetAttributes(moved), FileShims.GetAttributes(moved));
        Assert.AreEqual(File.GetLastWriteTimeUtc(moved), FileShims.GetLastWriteTimeUtc(moved));

        FileShims.Delete(moved);
        Assert.IsFalse(File.Exists(moved));
    }

    [TestMethod]
    public void ReadLinesIsLazyOnTheFastPath()
    {
        string path = this.temp.Write("lines.txt", "a\nb\n");
        var lines = FileShims.ReadLines(path);
        File.AppendAllText(path, "c\n");
        CollectionAssert.AreEqual(new[] { "a", "b", "c" }, lines.ToList(), "lines are read when enumerated, not when asked for");
    }

    [TestMethod]
    public void ARefusalRaisedWhileTheCallersLinesAreConsumedIsNotRetried()
    {
        // The caller's own query refuses midway: retrying through the broker would enumerate it a second time.
        static IEnumerable<string> RefusingQuery()
        {
            yield return "first";
            throw new UnauthorizedAccessException("the caller's query was refused");
        }

        Assert.ThrowsExactly<UnauthorizedAccessException>(() => FileShims.WriteAllLines(this.temp["out.txt"], RefusingQuery()));
        Assert.ThrowsExactly<UnauthorizedAccessException>(() => FileShims.AppendAllLines(this.temp["out.txt"], RefusingQuery(), Encoding.UTF8));
        Assert.ThrowsExactlyAsync<UnauthorizedAccessException>(() => FileShims.WriteAllLinesAsync(this.temp["out.txt"], RefusingQuery())).GetAwaiter().GetResult();
    }
}

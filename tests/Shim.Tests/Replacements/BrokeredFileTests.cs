using System.Text;
using PrivSep.Shim.Replacements;
using PrivSep.Shim.Tests.Support;

namespace PrivSep.Shim.Tests.Replacements;

/// <summary>
/// Through the broker (every call routed to a stand-in that opens files itself and hands back a FileStream on a bare
/// descriptor, as the client facade does) the file replacements keep the BCL's semantics: byte-order marks are detected,
/// appends append without a preamble in the middle, Copy without overwrite fails on an existing destination, ReadLines
/// opens at call time and reads lazily, and the results are byte for byte what the BCL produces.
/// </summary>
[TestClass]
public sealed class BrokeredFileTests
{
    private RoutingScope scope = null!;
    private RecordingBrokerActions broker = null!;
    private TempDirectory temp = null!;

    [TestInitialize]
    public void Start()
    {
        this.broker = new RecordingBrokerActions(new DirectBrokerActions());
        this.scope = RoutingScope.AllToBroker(this.broker);
        this.temp = new TempDirectory();
    }

    [TestCleanup]
    public void Finish()
    {
        this.temp.Dispose();
        this.scope.Dispose();
    }

    [TestMethod]
    public async Task ReadAllTextDetectsByteOrderMarks()
    {
        foreach (var encoding in new Encoding[] { Encoding.UTF8, Encoding.Unicode, Encoding.BigEndianUnicode, Encoding.UTF32 })
        {
            string path = this.temp.WriteBytes($"bom-{encoding.WebName}.txt", [.. encoding.GetPreamble(), .. encoding.GetBytes("héllo\r\nwörld")]);
            Assert.AreEqual(File.ReadAllText(path), FileShims.ReadAllText(path), encoding.WebName);
            Assert.AreEqual(File.ReadAllText(path, Encoding.Latin1), FileShims.ReadAllText(path, Encoding.Latin1), "a BOM wins over the encoding given");
            Assert.AreEqual(await File.ReadAllTextAsync(path), await FileShims.ReadAllTextAsync(path), encoding.WebName);
            CollectionAssert.AreEqual(File.ReadAllLines(path), FileShims.ReadAllLines(path), encoding.WebName);
            CollectionAssert.AreEqual(await File.ReadAllLinesAsync(path, Encoding.ASCII), await FileShims.ReadAllLinesAsync(path, Encoding.ASCII), encoding.WebName);
            CollectionAssert.AreEqual(File.ReadLines(path).ToList(), FileShims.ReadLines(path).ToList(), encoding.WebName);
            CollectionAssert.AreEqual(await File.ReadLinesAsync(path).ToListAsync(), await FileShims.ReadLinesAsync(path).ToListAsync(), encoding.WebName);
            using var reader = StreamReaderShims.New(path);
            Assert.AreEqual(File.ReadAllText(path), reader.ReadToEnd());
        }

        string latin = this.temp.WriteBytes("latin1.txt", Encoding.Latin1.GetBytes("café"));
        Assert.AreEqual("café", FileShims.ReadAllText(latin, Encoding.Latin1));
        Assert.IsTrue(this.broker.Calls.All(c => c.StartsWith("OpenFile", StringComparison.Ordinal)), "every read went through the broker");
    }

    [TestMethod]
    public async Task ReadAllBytesReadsFilesWhoseLengthIsUnknown()
    {
        // procfs reports a length of 0 for files with content.
        CollectionAssert.AreEqual(File.ReadAllBytes("/proc/version"), FileShims.ReadAllBytes("/proc/version"));
        CollectionAssert.AreEqual(File.ReadAllBytes("/proc/version"), await FileShims.ReadAllBytesAsync("/proc/version"));

        byte[] payload = Enumerable.Range(0, 100_000).Select(i => (byte)i).ToArray();
        string path = this.temp.WriteBytes("big.bin", payload);
        CollectionAssert.AreEqual(payload, FileShims.ReadAllBytes(path));
        CollectionAssert.AreEqual(payload, await FileShims.ReadAllBytesAsync(path));
        CollectionAssert.AreEqual(Array.Empty<byte>(), FileShims.ReadAllBytes(this.temp.WriteBytes("empty.bin", [])));
    }

    [TestMethod]
    public void ReadLinesOpensAtCallTimeReadsLazilyAndReopens()
    {
        Assert.ThrowsExactly<FileNotFoundException>(() => FileShims.ReadLines(this.temp["missing.txt"]), "a missing file throws when ReadLines is called");
        Assert.ThrowsExactly<FileNotFoundException>(() => FileShims.ReadLinesAsync(this.temp["missing.txt"]));

        string path = this.temp.Write("lines.txt", "a\nb\n");
        int before = this.broker.Calls.Count;
        var lines = FileShims.ReadLines(path);
        Assert.AreEqual(before + 1, this.broker.Calls.Count, "opened at call time");

        using (var enumerator = lines.GetEnumerator())
        {
            Assert.IsTrue(enumerator.MoveNext());
            Assert.AreEqual("a", enumerator.Current);
        }

        CollectionAssert.AreEqual(new[] { "a", "b" }, lines.ToList(), "a second enumeration starts over");
        Assert.AreEqual(before + 2, this.broker.Calls.Count, "and opens the file again");
    }

    [TestMethod]
    public async Task ReadLinesAsyncOpensAtCallTimeAndReopens()
    {
        string path = this.temp.Write("lines.txt", "a\nb\n");
        var lines = FileShims.ReadLinesAsync(path);
        CollectionAssert.AreEqual(new[] { "a", "b" }, await lines.ToListAsync());
        CollectionAssert.AreEqual(new[] { "a", "b" }, await lines.ToListAsync(), "a second enumeration opens the file again");
    }

    [TestMethod]
    public async Task WritesAreByteForByteWhatTheBclWrites()
    {
        using var expected = new TempDirectory();
        async Task Both(Func<string, Task> bcl, Func<string, Task> shim, string name)
        {
            await bcl(Path.Combine(expected.Path, name));
            await shim(this.temp[name]);
        }

        await Both(p => { File.WriteAllText(p, "plain"); return Task.CompletedTask; }, p => { FileShims.WriteAllText(p, "plain"); return Task.CompletedTask; }, "plain.txt");
        await Both(p => { File.WriteAllText(p, "bom", Encoding.UTF8); return Task.CompletedTask; }, p => { FileShims.WriteAllText(p, "bom", Encoding.UTF8); return Task.CompletedTask; }, "bom.txt");
        await Both(p => { File.AppendAllText(p, "more", Encoding.UTF8); return Task.CompletedTask; }, p => { FileShims.AppendAllText(p, "more", Encoding.UTF8); return Task.CompletedTask; }, "bom.txt");
        await Both(p => { File.WriteAllText(p, string.Empty, Encoding.Unicode); return Task.CompletedTask; }, p => { FileShims.WriteAllText(p, string.Empty, Encoding.Unicode); return Task.CompletedTask; }, "preamble-only.txt");
        await Both(p => { File.WriteAllText(p, (string?)null); return Task.CompletedTask; }, p => { FileShims.WriteAllText(p, (string?)null); return Task.CompletedTask; }, "null.txt");
        await Both(p => { File.WriteAllText(p, new string('x', 20_000).AsSpan(), Encoding.UTF32); return Task.CompletedTask; }, p => { FileShims.WriteAllText(p, new string('x', 20_000).AsSpan(), Encoding.UTF32); return Task.CompletedTask; }, "chunks.txt");
        await Both(p => { File.AppendAllText(p, "é".AsSpan()); return Task.CompletedTask; }, p => { FileShims.AppendAllText(p, "é".AsSpan()); return Task.CompletedTask; }, "chunks.txt");
        await Both(p => { File.AppendAllText(p, "new", Encoding.UTF8); return Task.CompletedTask; }, p => { FileShims.AppendAllText(p, "new", Encoding.UTF8); return Task.CompletedTask; }, "appended-new.txt");
        await Both(p => { File.WriteAllBytes(p, [1, 2, 3]); return Task.CompletedTask; }, p => { FileShims.WriteAllBytes(p, [1, 2, 3]); return Task.CompletedTask; }, "bytes.bin");
        await Both(p => { File.WriteAllBytes(p, new ReadOnlySpan<byte>([7])); return Task.CompletedTask; }, p => { FileShims.WriteAllBytes(p, new ReadOnlySpan<byte>([7])); return Task.CompletedTask; }, "bytes.bin");
        await Both(p => { File.WriteAllLines(p, ["a", "b"], Encoding.UTF8); return Task.CompletedTask; }, p => { FileShims.WriteAllLines(p, ["a", "b"], Encoding.UTF8); return Task.CompletedTask; }, "lines.txt");
        await Both(p => { File.AppendAllLines(p, ["c"], Encoding.UTF8); return Task.CompletedTask; }, p => { FileShims.AppendAllLines(p, ["c"], Encoding.UTF8); return Task.CompletedTask; }, "lines.txt");
        await Both(p => File.WriteAllTextAsync(p, "async", Encoding.Unicode), p => FileShims.WriteAllTextAsync(p, "async", Encoding.Unicode), "async.txt");
        await Both(p => File.AppendAllTextAsync(p, "+more".AsMemory(), Encoding.Unicode), p => FileShims.AppendAllTextAsync(p, "+more".AsMemory(), Encoding.Unicode), "async.txt");
        await Both(p => File.WriteAllBytesAsync(p, new byte[] { 4, 5 }), p => FileShims.WriteAllBytesAsync(p, new byte[] { 4, 5 }), "async.bin");
        await Both(p => File.WriteAllLinesAsync(p, ["x", "y"]), p => FileShims.WriteAllLinesAsync(p, ["x", "y"]), "async-lines.txt");
        await Both(p => File.AppendAllLinesAsync(p, ["z"], Encoding.UTF8), p => FileShims.AppendAllLinesAsync(p, ["z"], Encoding.UTF8), "async-lines.txt");

        foreach (string file in Directory.GetFiles(expected.Path))
        {
            CollectionAssert.AreEqual(File.ReadAllBytes(file), File.ReadAllBytes(this.temp[Path.GetFileName(file)]), Path.GetFileName(file));
        }

        Assert.IsFalse(this.broker.Calls.Any(c => !c.StartsWith("OpenFile", StringComparison.Ordinal)), string.Join("; ", this.broker.Calls));
    }

    [TestMethod]
    public void AppendModesAppend()
    {
        string path = this.temp.Write("log.txt", "first\n");

        using (var stream = FileStreamShims.New(path, FileMode.Append))
        {
            Assert.AreEqual(6, stream.Position, "an append stream starts at the end, as the BCL's does");
            stream.Write("second\n"u8);
        }

        using (var writer = StreamWriterShims.New(path, append: true, Encoding.UTF8))
        {
            writer.Write("third\n");
        }

        using (var writer = FileShims.AppendText(path))
        {
            writer.Write("fourth\n");
        }

        FileShims.AppendAllText(path, "fifth\n", Encoding.UTF8);
        FileShims.AppendAllLines(path, ["sixth"], Encoding.UTF8);
        Assert.AreEqual("first\nsecond\nthird\nfourth\nfifth\nsixth\n", File.ReadAllText(path));
        Assert.AreEqual((byte)'f', File.ReadAllBytes(path)[0], "no preamble was written into the file");
    }

    [TestMethod]
    public void OpensRealFileStreamsForEveryConstructorShape()
    {
        string path = this.temp.Write("data.txt", "0123456789");
        using (var stream = FileStreamShims.New(path, FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.Asynchronous))
        {
            Assert.AreEqual(10, stream.Length, "an asynchronous open works on a received descriptor");
        }

        using (var stream = FileStreamShims.New(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None, 4096, useAsync: true))
        {
            stream.Seek(-1, SeekOrigin.End);
            stream.WriteByte((byte)'X');
        }

        using (var stream = FileShims.Open(path, new FileStreamOptions { Mode = FileMode.Open, Access = FileAccess.Read }))
        using (var reader = new StreamReader(stream))
        {
            Assert.AreEqual("012345678X", reader.ReadToEnd());
        }

        using (var stream = FileShims.Create(this.temp["new.bin"]))
        {
            stream.Write([1, 2]);
        }

        using (var stream = FileShims.OpenWrite(this.temp["new.bin"]))
        {
            stream.WriteByte(9);
        }

        CollectionAssert.AreEqual(new byte[] { 9, 2 }, File.ReadAllBytes(this.temp["new.bin"]), "OpenWrite neither truncates nor appends");
        Assert.ThrowsExactly<IOException>(() => FileStreamShims.New(path, FileMode.CreateNew, FileAccess.Write));
        Assert.ThrowsExactly<FileNotFoundException>(() => FileShims.OpenRead(this.temp["missing.txt"]));

        using (var reader = StreamReaderShims.New(path, new FileStreamOptions()))
        {
            Assert.AreEqual("012345678X", reader.ReadToEnd());
        }

        using (var writer = StreamWriterShims.New(this.temp["opts.txt"], Encoding.Unicode, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write }))
        {
            writer.Write("u");
        }

        CollectionAssert.AreEqual(new byte[] { 0xFF, 0xFE, (byte)'u', 0 }, File.ReadAllBytes(this.temp["opts.txt"]));
    }

    [TestMethod]
    public void AnExplicitUnixCreateModeIsNotWidenedByTheBroker()
    {
        var create = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite };
        Assert.ThrowsExactly<UnauthorizedAccessException>(() => FileStreamShims.New(this.temp["secret.txt"], create));
        Assert.IsFalse(File.Exists(this.temp["secret.txt"]));

        string existing = this.temp.Write("existing.txt", "old");
        using (var stream = FileStreamShims.New(existing, create))
        {
            Assert.AreEqual(0, stream.Length, "an existing file is truncated as Create asks");
        }
    }

    [TestMethod]
    public void CopyKeepsTheBclContract()
    {
        string source = this.temp.Write("source.txt", "payload");
        string destination = this.temp["copy.txt"];

        FileShims.Copy(source, destination);
        Assert.AreEqual("payload", File.ReadAllText(destination));

        File.WriteAllText(destination, "existing and longer");
        Assert.ThrowsExactly<IOException>(() => FileShims.Copy(source, destination), "overwrite: false and the destination exists");
        Assert.AreEqual("existing and longer", File.ReadAllText(destination));

        FileShims.Copy(source, destination, overwrite: true);
        Assert.AreEqual("payload", File.ReadAllText(destination), "overwritten and truncated");

        Assert.ThrowsExactly<IOException>(() => FileShims.Copy(source, source, overwrite: true));
        Assert.AreEqual("payload", File.ReadAllText(source), "copying a file onto itself leaves it intact");

        File.CreateSymbolicLink(this.temp["alias.txt"], source);
        Assert.ThrowsExactly<IOException>(() => FileShims.Copy(source, this.temp["alias.txt"], overwrite: true));
        Assert.AreEqual("payload", File.ReadAllText(source), "nor onto itself under another name");

        Assert.ThrowsExactly<FileNotFoundException>(() => FileShims.Copy(this.temp["missing.txt"], this.temp["x.txt"]));
    }

    [TestMethod]
    public void MoveDeleteExistsAndMetadataKeepTheBclContract()
    {
        string source = this.temp.Write("a.txt", "a");
        FileShims.Move(source, this.temp["b.txt"]);
        Assert.IsFalse(File.Exists(source));
        Assert.AreEqual("a", File.ReadAllText(this.temp["b.txt"]));

        this.temp.Write("c.txt", "c");
        Assert.ThrowsExactly<IOException>(() => FileShims.Move(this.temp["c.txt"], this.temp["b.txt"]));
        FileShims.Move(this.temp["c.txt"], this.temp["b.txt"], overwrite: true);
        Assert.AreEqual("c", File.ReadAllText(this.temp["b.txt"]));

        Assert.IsTrue(FileShims.Exists(this.temp["b.txt"]));
        Assert.IsFalse(FileShims.Exists(this.temp["b.txt"] + "/"), "a trailing separator names a directory");
        Assert.IsFalse(FileShims.Exists(this.temp.Path), "a directory is no file");
        Assert.IsFalse(FileShims.Exists(this.temp["missing.txt"]));
        Assert.IsFalse(FileShims.Exists(null));
        Assert.IsFalse(FileShims.Exists("bad\0path"));

        Assert.AreEqual(File.GetAttributes(this.temp["b.txt"]), FileShims.GetAttributes(this.temp["b.txt"]));
        Assert.ThrowsExactly<FileNotFoundException>(() => FileShims.GetAttributes(this.temp["missing.txt"]));
        var lastWrite = FileShims.GetLastWriteTimeUtc(this.temp["b.txt"]);
        Assert.AreEqual(File.GetLastWriteTimeUtc(this.temp["b.txt"]), lastWrite);
        Assert.AreEqual(DateTimeKind.Utc, lastWrite.Kind);
        Assert.AreEqual(File.GetLastWriteTimeUtc(this.temp["missing.txt"]), FileShims.GetLastWriteTimeUtc(this.temp["missing.txt"]), "1601-01-01 for a missing file");

        FileShims.Delete(this.temp["b.txt"]);
        Assert.IsFalse(File.Exists(this.temp["b.txt"]));
        FileShims.Delete(this.temp["b.txt"]);
        Assert.ThrowsExactly<DirectoryNotFoundException>(() => FileShims.Delete(this.temp["no-such-dir/x.txt"]));
    }
}

using PrivSep.Shim.Replacements;
using PrivSep.Shim.Tests.Support;

namespace PrivSep.Shim.Tests.Replacements;

/// <summary>
/// For directories the current user can reach, the Directory replacements return exactly what the BCL returns (same
/// paths, same order) and never try the broker.
/// </summary>
[TestClass]
public sealed class FastPathDirectoryTests
{
    private RoutingScope scope = null!;
    private RecordingBrokerActions recorder = null!;
    private TempDirectory tree = null!;

    [TestInitialize]
    public void Start()
    {
        this.scope = RoutingScope.FastPathWithUnreachableBroker(out this.recorder);
        this.tree = DirectoryTree.Create();
    }

    [TestCleanup]
    public void Finish()
    {
        var calls = this.recorder.Calls;
        this.tree.Dispose();
        this.scope.Dispose();
        Assert.IsEmpty(calls, "the broker was tried: " + string.Join("; ", calls));
    }

    [TestMethod]
    public void EnumeratesAsTheBclDoes()
    {
        string root = this.tree.Path;
        foreach (string pattern in DirectoryTree.Patterns)
        {
            foreach (var option in new[] { SearchOption.TopDirectoryOnly, SearchOption.AllDirectories })
            {
                string label = $"'{pattern}' {option}";
                CollectionAssert.AreEqual(Directory.GetFiles(root, pattern, option), DirectoryShims.GetFiles(root, pattern, option), label);
                CollectionAssert.AreEqual(Directory.GetDirectories(root, pattern, option), DirectoryShims.GetDirectories(root, pattern, option), label);
                CollectionAssert.AreEqual(Directory.EnumerateFiles(root, pattern, option).ToList(), DirectoryShims.EnumerateFiles(root, pattern, option).ToList(), label);
                CollectionAssert.AreEqual(Directory.EnumerateDirectories(root, pattern, option).ToList(), DirectoryShims.EnumerateDirectories(root, pattern, option).ToList(), label);
                CollectionAssert.AreEqual(Directory.EnumerateFileSystemEntries(root, pattern, option).ToList(), DirectoryShims.EnumerateFileSystemEntries(root, pattern, option).ToList(), label);
            }

            foreach (var (name, options) in DirectoryTree.OptionSets())
            {
                string label = $"'{pattern}' {name}";
                CollectionAssert.AreEqual(Directory.GetFiles(root, pattern, options), DirectoryShims.GetFiles(root, pattern, options), label);
                CollectionAssert.AreEqual(Directory.EnumerateFileSystemEntries(root, pattern, options).ToList(), DirectoryShims.EnumerateFileSystemEntries(root, pattern, options).ToList(), label);
            }
        }

        CollectionAssert.AreEqual(Directory.GetFiles(root), DirectoryShims.GetFiles(root));
        CollectionAssert.AreEqual(Directory.GetDirectories(root + "/"), DirectoryShims.GetDirectories(root + "/"));
        CollectionAssert.AreEqual(Directory.EnumerateFiles(root, "*.txt").ToList(), DirectoryShims.EnumerateFiles(root, "*.txt").ToList());
    }

    [TestMethod]
    public void MissingDirectoriesStayMissing()
    {
        string missing = this.tree["missing"];
        Assert.ThrowsExactly<DirectoryNotFoundException>(() => DirectoryShims.GetFiles(missing));
        Assert.ThrowsExactly<DirectoryNotFoundException>(() => DirectoryShims.EnumerateFiles(missing, "*", SearchOption.AllDirectories));
        Assert.ThrowsExactly<DirectoryNotFoundException>(() => DirectoryShims.EnumerateDirectories(missing, "*", new EnumerationOptions()));
        Assert.ThrowsExactly<DirectoryNotFoundException>(() => DirectoryShims.Delete(missing));
        Assert.IsFalse(DirectoryShims.Exists(missing));
        Assert.IsFalse(DirectoryShims.Exists(this.tree["top.txt"]));
        Assert.IsTrue(DirectoryShims.Exists(this.tree["a"]));
        Assert.IsEmpty(DirectoryShims.GetFiles(this.tree["empty"], "*.txt"), "an empty result from a readable directory is no refusal");
        Assert.IsEmpty(DirectoryShims.GetFiles(this.tree["empty"], "*.txt", new EnumerationOptions()), "nor with IgnoreInaccessible");
        Assert.IsEmpty(DirectoryShims.EnumerateFiles(this.tree["empty"], "*.txt", new EnumerationOptions()).ToList());
    }

    [TestMethod]
    public void CreatesAndDeletesAsTheBclDoes()
    {
        string nested = Path.Combine(this.tree.Path, "new", "deeper");
        var created = DirectoryShims.CreateDirectory(nested);
        Assert.AreEqual(Directory.CreateDirectory(nested).FullName, created.FullName);
        Assert.IsTrue(created.Exists);

        var withMode = DirectoryShims.CreateDirectory(this.tree["private"], UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Assert.AreEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(withMode.FullName));

        Assert.ThrowsExactly<IOException>(() => DirectoryShims.Delete(this.tree["new"]), "not empty");
        DirectoryShims.Delete(this.tree["new"], recursive: true);
        Assert.IsFalse(Directory.Exists(this.tree["new"]));
    }
}

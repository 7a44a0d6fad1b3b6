using PrivSep.Shim.Replacements;
using PrivSep.Shim.Tests.Support;

namespace PrivSep.Shim.Tests.Replacements;

/// <summary>
/// Through the broker (every call routed to a stand-in that lists directories itself, as the broker will) the Directory
/// replacements return what the BCL returns: the same paths, joined onto the directory as the caller spelled it, in the
/// same order, for every pattern, SearchOption and EnumerationOptions.
/// </summary>
[TestClass]
public sealed class BrokeredDirectoryTests
{
    private RoutingScope scope = null!;
    private RecordingBrokerActions broker = null!;
    private DirectBrokerActions direct = null!;
    private TempDirectory tree = null!;

    [TestInitialize]
    public void Start()
    {
        this.direct = new DirectBrokerActions();
        this.broker = new RecordingBrokerActions(this.direct);
        this.scope = RoutingScope.AllToBroker(this.broker);
        this.tree = DirectoryTree.Create();
    }

    [TestCleanup]
    public void Finish()
    {
        this.tree.Dispose();
        this.scope.Dispose();
    }

    [TestMethod]
    public void SearchOptionOverloadsMatchTheBcl()
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
        }

        Assert.IsTrue(this.broker.Calls.Any(c => c.StartsWith("EnumerateDirectory", StringComparison.Ordinal)), "the listings came from the broker");
    }

    [TestMethod]
    public void EnumerationOptionsOverloadsMatchTheBcl()
    {
        string root = this.tree.Path;
        foreach (string pattern in DirectoryTree.Patterns)
        {
            foreach (var (name, options) in DirectoryTree.OptionSets())
            {
                string label = $"'{pattern}' {name}";
                AssertSame(Directory.GetFiles(root, pattern, options), DirectoryShims.GetFiles(root, pattern, options), options, label);
                AssertSame(Directory.GetDirectories(root, pattern, options), DirectoryShims.GetDirectories(root, pattern, options), options, label);
                AssertSame(Directory.EnumerateFiles(root, pattern, options), DirectoryShims.EnumerateFiles(root, pattern, options), options, label);
                AssertSame(Directory.EnumerateDirectories(root, pattern, options), DirectoryShims.EnumerateDirectories(root, pattern, options), options, label);
                AssertSame(Directory.EnumerateFileSystemEntries(root, pattern, options), DirectoryShims.EnumerateFileSystemEntries(root, pattern, options), options, label);
            }
        }
    }

    [TestMethod]
    public void PathsAreJoinedOntoTheDirectoryAsTheCallerSpelledIt()
    {
        string previous = Environment.CurrentDirectory;
        Environment.CurrentDirectory = this.tree.Path;
        try
        {
            foreach (string directory in new[] { "a", "a/", "./a", "a/../a", "a//b", this.tree.Path + "/a" })
            {
                CollectionAssert.AreEqual(Directory.GetFiles(directory), DirectoryShims.GetFiles(directory), directory);
                CollectionAssert.AreEqual(Directory.GetFiles(directory, "*", SearchOption.AllDirectories), DirectoryShims.GetFiles(directory, "*", SearchOption.AllDirectories), directory);
                CollectionAssert.AreEqual(Directory.EnumerateDirectories(directory).ToList(), DirectoryShims.EnumerateDirectories(directory).ToList(), directory);
            }

            CollectionAssert.AreEqual(new[] { "a/one.txt" }, DirectoryShims.GetFiles("a", "*.txt"));
            CollectionAssert.AreEqual(new[] { "a/b/three.txt" }, DirectoryShims.GetFiles("a", "b/*.txt"));
            CollectionAssert.AreEqual(Directory.GetFiles(".", "a/b/*"), DirectoryShims.GetFiles(".", "a/b/*"));
        }
        finally
        {
            Environment.CurrentDirectory = previous;
        }
    }

    /// <summary>
    /// The broker describes a link whose target the client may not read as the link itself (a File with ReparsePoint,
    /// length 0), whatever it points to: the Shim then treats it exactly as the BCL treats a dangling link.
    /// </summary>
    [TestMethod]
    public void ALinkDescribedAsItselfIsTreatedLikeADanglingLink()
    {
        this.direct.DescribeEntry = entry => entry.Name == "link-to-dir"
            ? entry with { Kind = Protocol.Contracts.FileSystemEntryKind.File, Attributes = FileAttributes.ReparsePoint, Length = 0 }
            : entry;
        string root = this.tree.Path;

        var files = DirectoryShims.GetFiles(root, "*", SearchOption.AllDirectories);
        var directories = DirectoryShims.GetDirectories(root, "*", SearchOption.AllDirectories);
        var skipping = DirectoryShims.EnumerateFileSystemEntries(root, "*", new EnumerationOptions { AttributesToSkip = FileAttributes.ReparsePoint }).ToList();

        CollectionAssert.Contains(files, this.tree["link-to-dir"], "listed as a file, like the dangling link");
        CollectionAssert.Contains(files, this.tree["dangling"]);
        CollectionAssert.DoesNotContain(directories, this.tree["link-to-dir"]);
        Assert.IsFalse(files.Any(f => f.StartsWith(this.tree["link-to-dir"] + "/", StringComparison.Ordinal)), "never recursed into");
        CollectionAssert.DoesNotContain(skipping, this.tree["link-to-dir"], "still a reparse point");
        CollectionAssert.DoesNotContain(skipping, this.tree["dangling"]);
    }

    [TestMethod]
    public void EnumerationOpensNowAndReopensWhenEnumeratedAgain()
    {
        Assert.ThrowsExactly<DirectoryNotFoundException>(() => DirectoryShims.EnumerateFiles(this.tree["missing"]), "a missing directory throws at call time");
        Assert.ThrowsExactly<DirectoryNotFoundException>(() => DirectoryShims.GetFiles(this.tree["top.txt"]), "so does a file");

        int Listings() => this.broker.Calls.Count(c => c.StartsWith("EnumerateDirectory", StringComparison.Ordinal));
        int before = Listings();
        var files = DirectoryShims.EnumerateFiles(this.tree.Path, "*.txt");
        Assert.AreEqual(before + 1, Listings(), "the directory is opened at call time");
        var first = files.ToList();
        var second = files.ToList();
        CollectionAssert.AreEqual(first, second);
        Assert.AreEqual(before + 2, Listings(), "a second enumeration lists again");
    }

    [TestMethod]
    public void ArgumentErrorsMatchTheBclAndSendNothing()
    {
        using var _ = RoutingScope.AllToBroker(new RefusingBrokerActions());
        SameFailure.Assert(() => Directory.GetFiles(null!), () => DirectoryShims.GetFiles(null!));
        SameFailure.Assert(() => Directory.GetFiles(string.Empty), () => DirectoryShims.GetFiles(string.Empty));
        SameFailure.Assert(() => Directory.GetFiles(this.tree.Path, null!), () => DirectoryShims.GetFiles(this.tree.Path, null!));
        SameFailure.Assert(() => Directory.GetFiles(this.tree.Path, "/abs"), () => DirectoryShims.GetFiles(this.tree.Path, "/abs"));
        SameFailure.Assert(() => Directory.GetFiles(this.tree.Path, "a\0b"), () => DirectoryShims.GetFiles(this.tree.Path, "a\0b"));
        SameFailure.Assert(() => Directory.GetFiles(this.tree.Path, "*", (SearchOption)7), () => DirectoryShims.GetFiles(this.tree.Path, "*", (SearchOption)7));
        SameFailure.Assert(() => Directory.EnumerateFiles(this.tree.Path, "*", (EnumerationOptions)null!), () => DirectoryShims.EnumerateFiles(this.tree.Path, "*", (EnumerationOptions)null!));
        SameFailure.Assert(() => Directory.EnumerateFiles(this.tree.Path, "*", new EnumerationOptions { MatchType = (MatchType)9 }), () => DirectoryShims.EnumerateFiles(this.tree.Path, "*", new EnumerationOptions { MatchType = (MatchType)9 }));
        SameFailure.Assert(() => Directory.CreateDirectory(string.Empty), () => DirectoryShims.CreateDirectory(string.Empty));
        SameFailure.Assert(() => Directory.Delete(null!), () => DirectoryShims.Delete(null!));
        SameFailure.Assert(() => Directory.CreateDirectory(this.tree["x"], (UnixFileMode)0x1000), () => DirectoryShims.CreateDirectory(this.tree["x"], (UnixFileMode)0x1000));
        Assert.IsFalse(DirectoryShims.Exists(null));
        Assert.IsFalse(DirectoryShims.Exists(string.Empty));
    }

    [TestMethod]
    public void CreatesDeletesAndAnswersExistsThroughTheBroker()
    {
        string nested = Path.Combine(this.tree.Path, "made", "here");
        var created = DirectoryShims.CreateDirectory(nested);
        Assert.AreEqual(nested, created.FullName);
        Assert.IsTrue(Directory.Exists(nested));
        Assert.IsTrue(DirectoryShims.Exists(nested));
        Assert.IsFalse(DirectoryShims.Exists(this.tree["top.txt"]));
        Assert.IsFalse(DirectoryShims.Exists(this.tree["missing"]));

        Assert.AreEqual(this.tree["a"], DirectoryShims.CreateDirectory(this.tree["a"], UnixFileMode.UserRead).FullName, "an existing directory is returned, mode untouched");
        Assert.ThrowsExactly<UnauthorizedAccessException>(() => DirectoryShims.CreateDirectory(this.tree["private"], UnixFileMode.UserRead), "the broker cannot apply an explicit mode");
        Assert.IsFalse(Directory.Exists(this.tree["private"]));

        DirectoryShims.Delete(this.tree["made"], recursive: true);
        Assert.IsFalse(Directory.Exists(this.tree["made"]));
        Assert.ThrowsExactly<DirectoryNotFoundException>(() => DirectoryShims.Delete(this.tree["made"]));
    }

    private static void AssertSame(IEnumerable<string> expected, IEnumerable<string> actual, EnumerationOptions options, string label)
    {
        // "." and ".." come where readdir puts them in the BCL and first through the broker: same entries, order aside.
        if (options.ReturnSpecialDirectories)
        {
            CollectionAssert.AreEquivalent(expected.ToList(), actual.ToList(), label);
        }
        else
        {
            CollectionAssert.AreEqual(expected.ToList(), actual.ToList(), label);
        }
    }
}

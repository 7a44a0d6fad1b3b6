using PrivSep.Shim.Routing;
using PrivSep.Shim.Tests.Support;

namespace PrivSep.Shim.Tests.Routing;

/// <summary>
/// The enumeration fast path when the original is refused midway (a subdirectory the agent may not read): what was
/// already yielded stays, the rest comes from a walk, nothing twice; and when it is refused at call time the walk
/// answers from the start.
/// </summary>
[TestClass]
public sealed class EnumerationRouteTests
{
    [TestMethod]
    public void ARefusalMidwayContinuesWithoutRepeating()
    {
        using var tree = DirectoryTree.Create();
        using var _ = RoutingScope.FastPath(new DirectBrokerActions());
        var expected = Directory.EnumerateFiles(tree.Path, "*", SearchOption.AllDirectories).ToList();

        var result = EnumerationRoute.Enumerate(
            () => RefusedAfter(expected, 3),
            () => DirectorySearch.Create(tree.Path, "*", SearchTarget.Files, DirectorySearch.FromSearchOption(SearchOption.AllDirectories))).ToList();

        CollectionAssert.AreEquivalent(expected, result);
        CollectionAssert.AreEqual(expected.Take(3).ToList(), result.Take(3).ToList(), "what was yielded before the refusal comes first");
    }

    [TestMethod]
    public void ARefusalAtCallTimeIsAnsweredByTheWalk()
    {
        using var tree = DirectoryTree.Create();
        using var _ = RoutingScope.FastPath(new DirectBrokerActions());
        var search = () => DirectorySearch.Create(tree.Path, "*.txt", SearchTarget.Files, DirectorySearch.FromSearchOption(SearchOption.AllDirectories));

        CollectionAssert.AreEqual(
            Directory.GetFiles(tree.Path, "*.txt", SearchOption.AllDirectories),
            EnumerationRoute.GetAll(() => throw new UnauthorizedAccessException(), search));
        CollectionAssert.AreEqual(
            Directory.EnumerateFiles(tree.Path, "*.txt", SearchOption.AllDirectories).ToList(),
            EnumerationRoute.Enumerate(() => throw new UnauthorizedAccessException(), search).ToList());
    }

    [TestMethod]
    public void OtherFailuresMidwayAreRethrown()
    {
        using var tree = DirectoryTree.Create();
        using var _ = RoutingScope.FastPath(new RefusingBrokerActions());
        var result = EnumerationRoute.Enumerate(
            () => FailingAfter(["a"], new IOException("disk")),
            () => DirectorySearch.Create(tree.Path, "*", SearchTarget.Files, DirectorySearch.FromSearchOption(SearchOption.AllDirectories)));

        Assert.ThrowsExactly<IOException>(() => result.ToList());
        Assert.ThrowsExactly<DirectoryNotFoundException>(() => EnumerationRoute.GetAll(
            () => throw new DirectoryNotFoundException(),
            () => throw new AssertFailedException("no walk for a missing directory")));
    }

    private static IEnumerable<string> RefusedAfter(IEnumerable<string> items, int count)
    {
        foreach (string item in items.Take(count))
        {
            yield return item;
        }

        throw new UnauthorizedAccessException("Access to the path is denied.");
    }

    private static IEnumerable<string> FailingAfter(IEnumerable<string> items, Exception failure)
    {
        foreach (string item in items)
        {
            yield return item;
        }

        throw failure;
    }
}

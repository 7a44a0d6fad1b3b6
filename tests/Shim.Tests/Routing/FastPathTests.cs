using System.Net.NetworkInformation;
using PrivSep.Shim.Routing;
using PrivSep.Shim.Tests.Support;

namespace PrivSep.Shim.Tests.Routing;

/// <summary>The routing helpers with stand-in delegates: when the original runs, when the broker is asked, and what is rethrown.</summary>
[TestClass]
public sealed class FastPathTests
{
    private static readonly FallbackRule AnyFile = FallbackRule.ForFile("/nonexistent/privsep/file");

    [TestMethod]
    public void TheOriginalAnswersWhenItCan()
    {
        using var _ = RoutingScope.FastPath(new RefusingBrokerActions());
        Assert.AreEqual("original", FastPath.Run(AnyFile, () => "original", () => "brokered"));
    }

    [TestMethod]
    public void ARefusalGoesToTheBroker()
    {
        using var _ = RoutingScope.FastPath(new RefusingBrokerActions());
        Assert.AreEqual("brokered", FastPath.Run(AnyFile, () => throw new UnauthorizedAccessException(), () => "brokered"));

        bool brokered = false;
        FastPath.Run(AnyFile, () => throw new UnauthorizedAccessException(), () => brokered = true);
        Assert.IsTrue(brokered);
    }

    [TestMethod]
    public void OtherFailuresAreRethrownAndTheBrokerIsNotAsked()
    {
        using var _ = RoutingScope.FastPath(new RefusingBrokerActions());
        Assert.ThrowsExactly<FileNotFoundException>(() => FastPath.Run<string>(AnyFile, () => throw new FileNotFoundException(), () => throw new AssertFailedException("asked")));
        Assert.ThrowsExactly<ArgumentException>(() => FastPath.Run(AnyFile, () => throw new ArgumentException(), () => throw new AssertFailedException("asked")));
        Assert.ThrowsExactly<PingException>(() => FastPath.Run<string>(FallbackRule.ForPing, () => throw new PingException("x", new System.Net.Sockets.SocketException(11001)), () => "brokered"));
    }

    [TestMethod]
    public void RoutingEverythingToTheBrokerSkipsTheOriginal()
    {
        using var _ = RoutingScope.AllToBroker(new RefusingBrokerActions());
        Assert.AreEqual("brokered", FastPath.Run(AnyFile, () => throw new AssertFailedException("the original ran"), () => "brokered"));
        Assert.IsFalse(FastPath.TriesOriginalFirst);
    }

    [TestMethod]
    public async Task AsyncRefusalsGoToTheBrokerWhetherThrownOrFaulted()
    {
        using var _ = RoutingScope.FastPath(new RefusingBrokerActions());
        Assert.AreEqual("brokered", await FastPath.RunAsync<string>(AnyFile, () => throw new UnauthorizedAccessException(), () => Task.FromResult("brokered")));
        Assert.AreEqual("brokered", await FastPath.RunAsync(AnyFile, () => Task.FromException<string>(new UnauthorizedAccessException()), () => Task.FromResult("brokered")));
        Assert.AreEqual("brokered", await FastPath.RunAsync<string>(AnyFile, async () => { await Task.Yield(); throw new UnauthorizedAccessException(); }, () => Task.FromResult("brokered")));

        bool brokered = false;
        await FastPath.RunAsync(AnyFile, () => Task.FromException(new UnauthorizedAccessException()), () => { brokered = true; return Task.CompletedTask; });
        Assert.IsTrue(brokered);
    }

    [TestMethod]
    public async Task AsyncArgumentErrorsStaySynchronousAndOtherFailuresStayInTheTask()
    {
        using var _ = RoutingScope.FastPath(new RefusingBrokerActions());
        Assert.ThrowsExactly<ArgumentNullException>(() => FastPath.RunAsync<string>(AnyFile, () => throw new ArgumentNullException("path"), () => throw new AssertFailedException("asked")));

        var faulted = FastPath.RunAsync<string>(AnyFile, () => Task.FromException<string>(new FileNotFoundException()), () => throw new AssertFailedException("asked"));
        await Assert.ThrowsExactlyAsync<FileNotFoundException>(() => faulted);

        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var cancelledTask = FastPath.RunAsync<string>(AnyFile, () => Task.FromCanceled<string>(cancelled.Token), () => throw new AssertFailedException("asked"));
        await Assert.ThrowsAsync<OperationCanceledException>(() => cancelledTask);
        Assert.IsTrue(cancelledTask.IsCanceled);
    }

    [TestMethod]
    public void AnOriginalThatSucceededSynchronouslyIsReturnedAsIs()
    {
        using var _ = RoutingScope.FastPath(new RefusingBrokerActions());
        var done = Task.FromResult("original");
        Assert.AreSame(done, FastPath.RunAsync(AnyFile, () => done, () => Task.FromResult("brokered")));
    }
}

using PrivSep.Broker.Service;
using PrivSep.Broker.Session;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Broker.Tests.Session;

/// <summary>
/// A request that finishes after its connection closed (a dir.open, an exec.start) must neither throw "disposed" into
/// the broker's log nor start anything: the table is checked, and the start runs, under the lock its disposal takes.
/// </summary>
[TestClass]
public sealed class HandleTableClosingTests
{
    [TestMethod]
    public void A_start_on_a_closed_table_is_refused_before_it_runs()
    {
        var table = new HandleTable(4, TimeSpan.FromMinutes(1));
        table.Dispose();
        bool started = false;

        var refusal = Assert.ThrowsExactly<BrokerActionException>(() => table.AddStarted(() =>
        {
            started = true;
            return new Probe();
        }));

        Assert.IsFalse(started, "nothing may be started for a connection that is gone");
        Assert.AreEqual(BrokerErrorCode.ConnectionClosed, refusal.Code);
    }

    [TestMethod]
    public void Adding_to_a_closed_table_is_a_refusal_and_closes_the_state()
    {
        var table = new HandleTable(4, TimeSpan.FromMinutes(1));
        table.Dispose();
        var probe = new Probe();

        var refusal = Assert.ThrowsExactly<BrokerActionException>(() => table.Add(probe));

        Assert.AreEqual(BrokerErrorCode.ConnectionClosed, refusal.Code);
        Assert.IsTrue(probe.Disposed);
    }

    [TestMethod]
    public async Task A_close_during_a_start_waits_for_it_and_then_closes_what_it_started()
    {
        var table = new HandleTable(4, TimeSpan.FromMinutes(1));
        using var inStart = new ManualResetEventSlim();
        using var finishStart = new ManualResetEventSlim();
        var probe = new Probe();
        var adding = Task.Run(() => table.AddStarted(() =>
        {
            inStart.Set();
            finishStart.Wait();
            return probe;
        }));
        Assert.IsTrue(inStart.Wait(TimeSpan.FromSeconds(10)));

        var closing = Task.Run(table.Dispose);
        await Task.Delay(200);
        Assert.IsFalse(closing.IsCompleted, "the close must wait for the start that is under way");
        finishStart.Set();

        await adding.WaitAsync(TimeSpan.FromSeconds(10));
        await closing.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.IsTrue(probe.Disposed, "what was started is closed with its connection");
    }

    private sealed class Probe : IDisposable
    {
        public bool Disposed { get; private set; }

        public void Dispose() => this.Disposed = true;
    }
}

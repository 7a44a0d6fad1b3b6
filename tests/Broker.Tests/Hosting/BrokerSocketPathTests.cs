using PrivSep.Broker.Tests.Harness;

namespace PrivSep.Broker.Tests.Hosting;

/// <summary>A --socket the broker cannot listen on stops the executable with exit 2 and a message naming the path and the fix.</summary>
[TestClass]
public sealed class BrokerSocketPathTests
{
    [TestMethod]
    [DataRow("/etc/passwd/broker.sock", "/etc/passwd", DisplayName = "the socket's directory is a regular file")]
    [DataRow("/etc/passwd/run/broker.sock", "/etc/passwd", DisplayName = "a folder above the socket's directory is a regular file")]
    public void A_socket_below_a_regular_file_is_refused_with_exit_2_and_a_clear_message(string socketPath, string regularFile)
    {
        RequiresRoot.Check();

        var (exitCode, output) = SpawnedBroker.RunExpectingRefusal(socketPath);

        Assert.AreEqual(2, exitCode, output);
        StringAssert.Contains(output, socketPath);
        StringAssert.Contains(output, regularFile);
        StringAssert.Contains(output, "--socket", "the message says what to change");
        Assert.DoesNotContain("   at ", output, "no stack trace");
        Assert.DoesNotContain("Exception", output, "no exception type");
    }
}

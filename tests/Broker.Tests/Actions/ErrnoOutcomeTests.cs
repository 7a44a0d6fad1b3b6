using PrivSep.Broker.Tests.Harness;
using PrivSep.Protocol.Contracts;

namespace PrivSep.Broker.Tests.Actions;

/// <summary>
/// What the kernel says about a path is an ordinary outcome, answered with the code the BCL would turn it into,
/// never an "internal error" (which is for broker bugs): a name too long, a file even root may not change.
/// </summary>
[TestClass]
public sealed class ErrnoOutcomeTests
{
    [TestMethod]
    public async Task A_name_too_long_is_PathTooLong_for_every_path_action()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectAsync();
        string existing = Path.Combine(broker.Root, "sandbox", "a.txt");
        File.WriteAllText(existing, "a");
        string longName = new('n', 300);
        string inSandbox = Path.Combine(broker.Root, "sandbox", longName);
        string inRead = Path.Combine(broker.Root, "read", longName);

        await BrokerAssert.FailsWith(BrokerErrorCode.PathTooLong, () => client.Service.MoveFileAsync(new MoveFileRequest(existing, inSandbox, Overwrite: false), CancellationToken.None));
        await BrokerAssert.FailsWith(BrokerErrorCode.PathTooLong, () => client.Service.MoveFileAsync(new MoveFileRequest(inSandbox, existing, Overwrite: true), CancellationToken.None));
        await BrokerAssert.FailsWith(BrokerErrorCode.PathTooLong, () => client.Service.GetFileStatusAsync(new PathRequest(inRead), CancellationToken.None));
        await BrokerAssert.FailsWith(BrokerErrorCode.PathTooLong, () => client.ReadTextAsync(inRead));
        await BrokerAssert.FailsWith(BrokerErrorCode.PathTooLong, () => client.WriteTextAsync(inSandbox, "x"));
        await BrokerAssert.FailsWith(BrokerErrorCode.PathTooLong, () => client.Service.CreateDirectoryAsync(new CreateDirectoryRequest(inSandbox), CancellationToken.None));
        await BrokerAssert.FailsWith(BrokerErrorCode.PathTooLong, () => client.Service.DeleteFileAsync(new PathRequest(inSandbox), CancellationToken.None));
        await BrokerAssert.FailsWith(BrokerErrorCode.PathTooLong, () => client.Service.OpenDirectoryAsync(new PathRequest(inRead), CancellationToken.None));

        Assert.IsFalse(AuditTrail.Read(broker).Any(e => e.Outcome == "internal-error"), "an errno was recorded as an internal error");
        Assert.AreEqual("a", File.ReadAllText(existing));
    }

    [TestMethod]
    public async Task A_file_even_root_may_not_change_is_access_denied_not_an_internal_error()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectAsync();
        string immutable = Path.Combine(broker.Root, "sandbox", "immutable.txt");
        File.WriteAllText(immutable, "kept");
        FileSystemFixtures.Run("chattr", "+i", immutable);
        try
        {
            // EPERM from the kernel, whatever the broker's capabilities: the BCL says UnauthorizedAccessException.
            await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.WriteTextAsync(immutable, "changed", FileMode.Open));
            await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.WriteTextAsync(immutable, "changed", FileMode.Create));
            await BrokerAssert.FailsWith(BrokerErrorCode.PolicyDenied, () => client.Service.DeleteFileAsync(new PathRequest(immutable), CancellationToken.None));

            Assert.AreEqual("kept", File.ReadAllText(immutable));
            Assert.IsFalse(AuditTrail.Read(broker).Any(e => e.Outcome == "internal-error"), "an errno was recorded as an internal error");
        }
        finally
        {
            FileSystemFixtures.Run("chattr", "-i", immutable);
        }
    }
}

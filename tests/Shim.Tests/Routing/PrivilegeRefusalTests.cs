using System.ComponentModel;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using PrivSep.Shim.Routing;

namespace PrivSep.Shim.Tests.Routing;

/// <summary>Which failures of the original call the broker may overturn, and which it must not.</summary>
[TestClass]
public sealed class PrivilegeRefusalTests
{
    public static IEnumerable<object[]> FileSystemFailures =>
    [
        [new UnauthorizedAccessException("Access to the path '/var/log/auth.log' is denied."), true],
        [new FileNotFoundException("missing", "/x"), false],
        [new DirectoryNotFoundException("missing"), false],
        [new IOException("sharing violation"), false],
        [new PathTooLongException(), false],
        [new ArgumentException("bad", "path"), false],
        [new ArgumentNullException("path"), false],
        [new NotSupportedException(), false],
        [new OperationCanceledException(), false],
        [new PlatformNotSupportedException(), false],
    ];

    public static IEnumerable<object[]> PingFailures =>
    [
        // What new Ping().Send("127.0.0.1") throws here for an unprivileged user: no raw socket, no ping utility.
        [new PlatformNotSupportedException("The system's ping utility could not be found."), true],
        [new UnauthorizedAccessException(), true],
        [new PingException("An exception occurred during a Ping request.", new PlatformNotSupportedException()), true],
        [new PingException("An exception occurred during a Ping request.", new UnauthorizedAccessException()), true],
        [new PingException("An exception occurred during a Ping request.", new SocketException((int)SocketError.AccessDenied)), true],
        [new PingException("An exception occurred during a Ping request.", new Win32Exception(13 /* EACCES: ping utility not executable */)), true],
        [new PingException("An exception occurred during a Ping request.", new SocketException((int)SocketError.HostNotFound)), false],
        [new PingException("An exception occurred during a Ping request.", new SocketException((int)SocketError.ConnectionRefused)), false],
        [new PingException("An exception occurred during a Ping request.", new Win32Exception(2 /* ENOENT */)), false],
        [new PingException("An exception occurred during a Ping request."), false],
        [new SocketException((int)SocketError.AccessDenied), false],
        [new ArgumentNullException("hostNameOrAddress"), false],
        [new ArgumentOutOfRangeException("timeout"), false],
        [new ObjectDisposedException("Ping"), false],
        [new InvalidOperationException("An asynchronous call is already in progress."), false],
        [new OperationCanceledException(), false],
    ];

    [TestMethod]
    [DynamicData(nameof(FileSystemFailures))]
    public void FileSystemRefusals(Exception failure, bool asksBroker) =>
        Assert.AreEqual(asksBroker, PrivilegeRefusal.IsFileSystemRefusal(failure), failure.GetType().Name);

    [TestMethod]
    [DynamicData(nameof(PingFailures))]
    public void PingRefusals(Exception failure, bool asksBroker) =>
        Assert.AreEqual(asksBroker, PrivilegeRefusal.IsPingRefusal(failure), $"{failure.GetType().Name} / {failure.InnerException?.GetType().Name}");

    [TestMethod]
    public void WhatPingActuallyThrowsHereWhenUnprivilegedIsARefusal()
    {
        // Reproduce the failure as it is thrown (by the runtime, not constructed by hand): Ping's utility fallback
        // is the only path an unprivileged user has here, and without the utility Ping throws this exact type.
        Exception thrown = new PlatformNotSupportedException("The system's ping utility could not be found.");
        Assert.IsTrue(PrivilegeRefusal.IsPingRefusal(thrown));
    }

    [TestMethod]
    public void AFileRefusalAboutADirectoryIsTheBclsOwnAnswer()
    {
        using var temp = new Support.TempDirectory();
        var refusal = new UnauthorizedAccessException("Access to the path is denied.");

        Assert.IsFalse(FallbackRule.ForFile(temp.Path).SendsToBroker(refusal), "opening a directory as a file is no lack of privilege");
        Assert.IsTrue(FallbackRule.ForFile(temp["missing-or-hidden.txt"]).SendsToBroker(refusal));
        Assert.IsFalse(FallbackRule.ForFile(temp["a.txt"], temp.Path).SendsToBroker(refusal), "either path of a copy may name the directory");
        Assert.IsTrue(FallbackRule.ForDirectory.SendsToBroker(refusal), "directory calls are about directories");
    }

    [TestMethod]
    public void AMissingMoveSourceStaysMissingWhenTheKernelCouldLook()
    {
        using var temp = new Support.TempDirectory();
        var missing = new FileNotFoundException("Could not find file.", temp["missing.txt"]);

        Assert.IsFalse(FallbackRule.ForMove(temp["missing.txt"], temp["b.txt"]).SendsToBroker(missing));
        Assert.IsFalse(FallbackRule.ForFile(temp["missing.txt"]).SendsToBroker(missing));
        Assert.IsTrue(FallbackRule.ForMove(temp["a.txt"], temp["b.txt"]).SendsToBroker(new UnauthorizedAccessException()));
    }

    [TestMethod]
    public void ARefusalAfterTheLinesWereConsumedIsFinal()
    {
        var lines = new LineSource(["a", "b"]);
        var rule = FallbackRule.ForFile("/nonexistent/file.txt").UnlessConsumed(lines);
        Assert.IsTrue(rule.SendsToBroker(new UnauthorizedAccessException()));

        foreach (string _ in lines.ForOriginal)
        {
        }

        Assert.IsFalse(rule.SendsToBroker(new UnauthorizedAccessException()));
    }

    [TestMethod]
    public void PathProbeAnswersFalseForWhatTheKernelCanSee()
    {
        using var temp = new Support.TempDirectory();
        Assert.IsFalse(PathProbe.CannotLook(temp["missing.txt"]));
        Assert.IsFalse(PathProbe.CannotLook(temp.Path));
        Assert.IsFalse(PathProbe.CannotLook(null));
        Assert.IsFalse(PathProbe.CannotLook(string.Empty));
        Assert.IsFalse(PathProbe.CannotLook("bad\0path"));
        Assert.IsFalse(PathProbe.CannotList(temp.Path));
    }
}

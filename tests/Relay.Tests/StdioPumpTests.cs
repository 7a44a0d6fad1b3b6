using System.IO.Pipes;

namespace PrivSep.Relay.Tests;

[TestClass]
public sealed class StdioPumpTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(10);

    [TestMethod]
    public async Task EachChunkIsPassedOnWhenItArrivesNotWhenTheSourceEnds()
    {
        using var source = new AnonymousPipeServerStream(PipeDirection.Out);
        using var sourceEnd = new AnonymousPipeClientStream(PipeDirection.In, source.ClientSafePipeHandle);
        using var destination = new AnonymousPipeServerStream(PipeDirection.In);
        using var destinationEnd = new AnonymousPipeClientStream(PipeDirection.Out, destination.ClientSafePipeHandle);
        using var reader = new StreamReader(destination);

        var pump = StdioPump.Start(sourceEnd, destinationEnd, commandEnd: sourceEnd);
        source.Write("first line\n"u8);

        // The source is still open: the line must already be through.
        Assert.AreEqual("first line", await reader.ReadLineAsync().WaitAsync(Generous));
        Assert.IsFalse(pump.IsCompleted);

        source.Write("second line\n"u8);
        source.Dispose();
        await pump.WaitAsync(Generous);
        Assert.AreEqual("second line", await reader.ReadLineAsync().WaitAsync(Generous));
    }

    [TestMethod]
    public async Task EndOfTheSourceClosesTheCommandEnd()
    {
        // Our stdin ends → the command's stdin is closed, which is its end of input.
        using var ownStdin = new MemoryStream("input"u8.ToArray());
        using var commandStdin = new AnonymousPipeServerStream(PipeDirection.Out);
        using var commandReads = new AnonymousPipeClientStream(PipeDirection.In, commandStdin.ClientSafePipeHandle);

        await StdioPump.Start(ownStdin, commandStdin, commandEnd: commandStdin).WaitAsync(Generous);

        using var received = new MemoryStream();
        await commandReads.CopyToAsync(received).WaitAsync(Generous);
        Assert.AreEqual("input", System.Text.Encoding.ASCII.GetString(received.ToArray()));
    }

    [TestMethod]
    public async Task ReaderGoneClosesTheCommandsOutputSoItsWritesFail()
    {
        // Whoever read the relay's stdout went away → the relay closes the read end of the command's stdout, and the
        // command's next write fails with EPIPE, as it would for a local command.
        using var commandStdout = new AnonymousPipeServerStream(PipeDirection.Out);
        var relayReads = new AnonymousPipeClientStream(PipeDirection.In, commandStdout.ClientSafePipeHandle);
        var ownStdout = new AnonymousPipeServerStream(PipeDirection.Out);
        ownStdout.DisposeLocalCopyOfClientHandle();

        var pump = StdioPump.Start(relayReads, ownStdout, commandEnd: relayReads);
        commandStdout.Write("lost\n"u8);
        await pump.WaitAsync(Generous);

        Assert.ThrowsExactly<IOException>(() => commandStdout.Write("more\n"u8));
        ownStdout.Dispose();
    }
}

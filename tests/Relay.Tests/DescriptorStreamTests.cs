using System.IO.Pipes;
using Microsoft.Win32.SafeHandles;

namespace PrivSep.Relay.Tests;

[TestClass]
public sealed class DescriptorStreamTests
{
    [TestMethod]
    public void WritesGoThroughTheSharedFileOffset()
    {
        // An agent whose stdout is a log file shares that open file with the relay: the relay's writes must land after
        // what the agent wrote, and the agent's later writes after the relay's (FileStream would pwrite at offset 0).
        string path = Path.GetTempFileName();
        try
        {
            using (var shared = File.OpenHandle(path, FileMode.Open, FileAccess.Write))
            {
                using var agent = new DescriptorStream(new SafeFileHandle(shared.DangerousGetHandle(), ownsHandle: false), "agent");
                using var relay = new DescriptorStream(new SafeFileHandle(shared.DangerousGetHandle(), ownsHandle: false), "relay");
                agent.Write("agent before\n"u8);
                relay.Write("relay\n"u8);
                agent.Write("agent after\n"u8);
            }

            Assert.AreEqual("agent before\nrelay\nagent after\n", File.ReadAllText(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void ReadsUntilEndOfFile()
    {
        var pipe = new AnonymousPipeServerStream(PipeDirection.Out);
        using var readEnd = pipe.ClientSafePipeHandle;
        using var reader = new DescriptorStream(new SafeFileHandle(readEnd.DangerousGetHandle(), ownsHandle: false), "pipe");
        pipe.Write("abc"u8);
        pipe.Dispose();

        byte[] buffer = new byte[16];
        Assert.AreEqual(3, reader.Read(buffer));
        Assert.AreEqual(0, reader.Read(buffer));
    }

    [TestMethod]
    public void WritingToAPipeWithoutReaderIsAnIOExceptionNamingTheStream()
    {
        var pipe = new AnonymousPipeServerStream(PipeDirection.In);
        using var writeEnd = pipe.ClientSafePipeHandle;
        using var writer = new DescriptorStream(new SafeFileHandle(writeEnd.DangerousGetHandle(), ownsHandle: false), "the command's stdin");
        pipe.Dispose();

        var error = Assert.ThrowsExactly<IOException>(() => writer.Write("x"u8));
        StringAssert.StartsWith(error.Message, "write on the command's stdin failed: Broken pipe (errno 32)");
    }

    [TestMethod]
    public void ClosedStreamIsAnIOException()
    {
        using var pipe = new AnonymousPipeServerStream(PipeDirection.Out);
        using var readEnd = pipe.ClientSafePipeHandle;
        var reader = new DescriptorStream(new SafeFileHandle(readEnd.DangerousGetHandle(), ownsHandle: false), "pipe");
        reader.Dispose();

        Assert.ThrowsExactly<IOException>(() => reader.Read(new byte[1]));
    }
}

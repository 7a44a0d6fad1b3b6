using PrivSep.Shim.Routing;
using PrivSep.Shim.Tests.Support;

namespace PrivSep.Shim.Tests.Routing;

/// <summary>
/// The brokered open's argument checks against FileStream's own, over every combination of mode, access, share, buffer
/// size and options: where the BCL rejects the arguments the check throws the same exception (type and parameter
/// name), and where the BCL gets as far as the file system the check lets the call through.
/// </summary>
[TestClass]
public sealed class FileStreamArgumentsTests
{
    private static readonly FileMode[] Modes = [0, FileMode.CreateNew, FileMode.Create, FileMode.Open, FileMode.OpenOrCreate, FileMode.Truncate, FileMode.Append, (FileMode)7];
    private static readonly FileAccess[] Accesses = [0, FileAccess.Read, FileAccess.Write, FileAccess.ReadWrite, (FileAccess)4];
    private static readonly FileShare[] Shares = [FileShare.None, FileShare.ReadWrite | FileShare.Delete | FileShare.Inheritable, (FileShare)32];
    private static readonly int[] BufferSizes = [-1, 0, 4096];
    private static readonly FileOptions[] Options = [FileOptions.None, FileOptions.Asynchronous | FileOptions.DeleteOnClose, (FileOptions)1];

    [TestMethod]
    public void PathConstructorChecksMatchTheBcl()
    {
        using var temp = new TempDirectory();
        int compared = 0;
        foreach (var mode in Modes)
        foreach (var access in Accesses)
        foreach (var share in Shares)
        foreach (int bufferSize in BufferSizes)
        foreach (var options in Options)
        {
            string path = temp.Write("target.txt", "x");
            string label = $"{mode}/{access}/{share}/{bufferSize}/{options}";
            Exception? expected = SameFailure.Capture(() => new FileStream(path, mode, access, share, bufferSize, options).Dispose());
            Exception? actual = SameFailure.Capture(() => FileStreamArguments.Validate(path, mode, access, share, bufferSize, options));
            AssertAgrees(expected, actual, label);
            compared++;
        }

        Assert.AreEqual(Modes.Length * Accesses.Length * Shares.Length * BufferSizes.Length * Options.Length, compared);
    }

    [TestMethod]
    public void OptionsConstructorChecksMatchTheBcl()
    {
        using var temp = new TempDirectory();
        foreach (var mode in Modes.Where(Enum.IsDefined))
        foreach (var access in Accesses.Where(Enum.IsDefined))
        foreach (long preallocation in new long[] { 0, 10 })
        foreach (UnixFileMode? createMode in new UnixFileMode?[] { null, UnixFileMode.UserRead | UnixFileMode.UserWrite })
        {
            string path = temp.Write("target.txt", "x");
            var options = new FileStreamOptions { Mode = mode, Access = access, PreallocationSize = preallocation, UnixCreateMode = createMode };
            string label = $"{mode}/{access}/{preallocation}/{createMode}";
            Exception? expected = SameFailure.Capture(() => new FileStream(path, options).Dispose());
            Exception? actual = SameFailure.Capture(() => FileStreamArguments.Validate(path, options));
            AssertAgrees(expected, actual, label);
        }

        SameFailure.Assert(() => new FileStream((string)null!, new FileStreamOptions()), () => FileStreamArguments.Validate(null!, new FileStreamOptions()));
        SameFailure.Assert(() => new FileStream(string.Empty, FileMode.Open), () => FileStreamArguments.Validate(string.Empty, FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.None));
    }

    private static void AssertAgrees(Exception? expected, Exception? actual, string label)
    {
        if (expected is ArgumentException)
        {
            Assert.IsNotNull(actual, $"{label}: the BCL rejects {expected.GetType().Name}({((ArgumentException)expected).ParamName}), the check did not");
            Assert.AreEqual(expected.GetType(), actual.GetType(), label);
            Assert.AreEqual(((ArgumentException)expected).ParamName, (actual as ArgumentException)?.ParamName, label);
        }
        else
        {
            Assert.IsNull(actual, $"{label}: the BCL got past its checks ({expected?.GetType().Name ?? "opened"}), the check threw {actual}");
        }
    }
}

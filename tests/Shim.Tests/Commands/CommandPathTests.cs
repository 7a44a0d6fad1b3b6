using System.Diagnostics;
using PrivSep.Shim.Commands;
using PrivSep.Shim.Tests.Support;

namespace PrivSep.Shim.Tests.Commands;

/// <summary>
/// The path the Shim sends to the broker is the file the original Process.Start would execute. Where it matters, the
/// proof is a script started by the ORIGINAL Process.Start that reports "$0": for a script, the kernel passes the
/// interpreter the path that was executed.
/// </summary>
[TestClass]
public sealed class CommandPathTests
{
    [TestMethod]
    [DataRow("head")]
    [DataRow("smartctl")]
    [DataRow("not-installed-anywhere")]
    public void BareNameIsSentAsItIs(string name) =>
        Assert.AreEqual(name, CommandPath.Resolve(name, useShellExecute: false, workingDirectory: "/tmp"));

    [TestMethod]
    [DataRow("/usr/bin/head", "/usr/bin/head")]
    [DataRow("/usr/bin/../bin/head", "/usr/bin/head")]
    [DataRow("/usr//bin/./head", "/usr/bin/head")]
    [DataRow("/nonexistent/tool", "/nonexistent/tool")]
    public void AbsolutePathIsNormalized(string fileName, string expected)
    {
        Assert.AreEqual(expected, CommandPath.Resolve(fileName, useShellExecute: false, workingDirectory: null));
        Assert.AreEqual(expected, CommandPath.Resolve(fileName, useShellExecute: true, workingDirectory: "/tmp"));
    }

    [TestMethod]
    [DataRow("sub/who.sh")]
    [DataRow("./sub/who.sh")]
    [DataRow("sub/../sub/who.sh")]
    public void RelativeNameIsFoundInTheCurrentDirectoryNotTheWorkingDirectory(string fileName)
    {
        using var temp = new TempDirectory();
        temp.WriteScript("current/sub/who.sh", "echo \"$0\"");
        temp.WriteScript("working/sub/who.sh", "echo \"$0\"");
        using var _ = new CurrentDirectoryScope(temp["current"]);
        var start = new ProcessStartInfo(fileName) { WorkingDirectory = temp["working"], RedirectStandardOutput = true };

        string resolved = CommandPath.Resolve(fileName, start.UseShellExecute, start.WorkingDirectory);

        Assert.AreEqual(temp["current/sub/who.sh"], resolved);
        Assert.AreEqual(resolved, ExecutedBy(start));
    }

    [TestMethod]
    public void WithShellExecutionARelativeNameIsFoundInTheWorkingDirectory()
    {
        using var temp = new TempDirectory();
        string report = temp["ran"];
        temp.WriteScript("current/sub/who.sh", $"echo \"$0\" > {report}");
        temp.WriteScript("working/sub/who.sh", $"echo \"$0\" > {report}");
        using var _ = new CurrentDirectoryScope(temp["current"]);
        var start = new ProcessStartInfo("sub/who.sh") { WorkingDirectory = temp["working"], UseShellExecute = true };

        string resolved = CommandPath.Resolve(start.FileName, start.UseShellExecute, start.WorkingDirectory);

        Assert.AreEqual(temp["working/sub/who.sh"], resolved);
        using (var process = Process.Start(start)!)
        {
            process.WaitForExit();
        }

        Assert.AreEqual(resolved, Path.GetFullPath(File.ReadAllText(report).Trim()));
    }

    [TestMethod]
    public void RelativeNameBesideTheRunningExecutableComesFirst()
    {
        // .NET looks beside its own executable before the current directory. Any file below that directory will do to
        // show the order; a file of the same name in the current directory must lose.
        string executableDirectory = Path.GetDirectoryName(Environment.ProcessPath)!;
        string besideExecutable = Directory.EnumerateFiles(executableDirectory, "*", SearchOption.AllDirectories)
            .First(f => Path.GetRelativePath(executableDirectory, f).Contains('/'));
        string relative = Path.GetRelativePath(executableDirectory, besideExecutable);
        using var temp = new TempDirectory();
        temp.Write(relative, "decoy");
        using var _ = new CurrentDirectoryScope(temp.Path);

        Assert.AreEqual(besideExecutable, CommandPath.Resolve(relative, useShellExecute: false, workingDirectory: null));
        Assert.AreEqual(temp[relative], CommandPath.Resolve(relative, useShellExecute: true, workingDirectory: null));
    }

    [TestMethod]
    public void RelativeNameFoundNowhereElseIsLookedForInPathDirectories()
    {
        using var temp = new TempDirectory();
        temp.WriteScript("bin-a/tools/who.sh", "echo \"$0\"");
        temp.Write("bin-b/tools/who.sh", "not executable: skipped");
        temp.WriteScript("bin-c/tools/who.sh", "echo \"$0\"");
        using var _ = new CurrentDirectoryScope(temp.Path);
        using var __ = new EnvironmentVariableScope("PATH", $"{temp["bin-b"]}:{temp["bin-a"]}:{temp["bin-c"]}");
        var start = new ProcessStartInfo("tools/who.sh") { RedirectStandardOutput = true };

        string resolved = CommandPath.Resolve(start.FileName, useShellExecute: false, workingDirectory: null);

        Assert.AreEqual(temp["bin-a/tools/who.sh"], resolved);
        Assert.AreEqual(resolved, ExecutedBy(start));
    }

    [TestMethod]
    public void RelativeNameFoundNowhereIsSentRelativeToTheCurrentDirectory()
    {
        using var temp = new TempDirectory();
        using var _ = new CurrentDirectoryScope(temp.Path);

        Assert.AreEqual(temp["missing/tool"], CommandPath.Resolve("missing/tool", useShellExecute: false, workingDirectory: "/usr"));
        Assert.AreEqual("/usr/missing/tool", CommandPath.Resolve("missing/tool", useShellExecute: true, workingDirectory: "/usr"));
    }

    [TestMethod]
    public void RequestedCommandUsesTheArgumentListWhenItHasEntries()
    {
        var fromList = new ProcessStartInfo("/usr/bin/head", ["-c", "64", "a b"]);
        var fromString = new ProcessStartInfo("/usr/bin/head", "-c 64 \"a b\"");

        CollectionAssert.AreEqual(new[] { "-c", "64", "a b" }, RequestedCommand.Of(fromList).Arguments.ToArray());
        CollectionAssert.AreEqual(new[] { "-c", "64", "a b" }, RequestedCommand.Of(fromString).Arguments.ToArray());
        Assert.AreEqual("/usr/bin/head", RequestedCommand.Of(fromList).Path);
    }

    /// <summary>The path the ORIGINAL Process.Start executed for a "$0"-reporting script.</summary>
    private static string ExecutedBy(ProcessStartInfo start)
    {
        using var process = Process.Start(start)!;
        string reported = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return Path.GetFullPath(reported);
    }
}

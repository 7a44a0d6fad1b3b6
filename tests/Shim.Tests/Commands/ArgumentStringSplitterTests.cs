using System.Diagnostics;
using System.Text;
using PrivSep.Shim.Commands;
using PrivSep.Shim.Tests.Support;

namespace PrivSep.Shim.Tests.Commands;

/// <summary>
/// The broker must judge exactly the argument vector a command receives. The proof: each Arguments string is given to the
/// ORIGINAL Process.Start, a real command reports the vector it received, and the Shim's split must be the same.
/// </summary>
[TestClass]
public sealed class ArgumentStringSplitterTests
{
    private static readonly string[] TrickyArguments =
    [
        "",
        "   ",
        "a",
        "a b",
        "  a   b  ",
        "a\tb\t\tc",
        "a\nb c\rd",
        "a\u00a0b\u2003c",
        "\"a b\"",
        "\"a b\" c",
        "\"a\"b\"c\"",
        "a\"b c\"d",
        "a\"\"b",
        "\"a\"\"b\"",
        "\"a\"\"\"b\"",
        "\"\"",
        "\"\" \"\"",
        "\"\"\"\"",
        "x\"\"\"y",
        "\"\"\"\"\"",
        "\"unterminated",
        "\"a b",
        "a\\b",
        "a\\\\b",
        "a\\",
        "\\",
        "\\\\",
        "a\\\"b",
        "a\\\\\"b c\"",
        "a\\\\\\\"b",
        "\"a\\\\\" b",
        "\"a\\\" b\"",
        "\"\\\"",
        "\\\"",
        "\\\\\"\"",
        "tab\t\t\"q\tq\"",
        "'single quotes' are \"not special\"",
        "$HOME `id` ; | & > < * ?",
        "-c 64 /etc/shadow",
        "/var/log/x /etc/shadow",
        "\"/var/log/x /etc/shadow\"",
        "é ü 日本",
        "--opt=\"a b\" --other=\\\"c",
        "\\\\\\\\\"a b\"",
    ];

    [TestMethod]
    public void SplitsAsTheOriginalProcessStartDoes()
    {
        using var temp = new TempDirectory();
        string reporter = temp.WriteScript("argv.sh", "for a in \"$@\"; do printf '%s\\0' \"$a\"; done");
        var mismatches = new List<string>();
        foreach (string arguments in TrickyArguments)
        {
            var received = ReceivedBy(reporter, arguments);
            var split = ArgumentStringSplitter.Split(arguments);
            if (!received.SequenceEqual(split))
            {
                mismatches.Add($"{Show(arguments)}: the command received [{string.Join(", ", received.Select(Show))}], the Shim split [{string.Join(", ", split.Select(Show))}]");
            }
        }

        Assert.IsEmpty(mismatches, string.Join(Environment.NewLine, mismatches));
    }

    [TestMethod]
    public void NullAndEmptyAreNoArguments()
    {
        Assert.IsEmpty(ArgumentStringSplitter.Split(null));
        Assert.IsEmpty(ArgumentStringSplitter.Split(string.Empty));
    }

    [TestMethod]
    public void TheSudoersJoinedStringIsTwoArguments() =>
        CollectionAssert.AreEqual(new[] { "/var/log/x", "/etc/shadow" }, ArgumentStringSplitter.Split("/var/log/x /etc/shadow").ToArray());

    private static List<string> ReceivedBy(string reporter, string arguments)
    {
        var start = new ProcessStartInfo(reporter, arguments) { RedirectStandardOutput = true, StandardOutputEncoding = Encoding.UTF8 };
        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.AreEqual(0, process.ExitCode);
        return output.Length == 0 ? [] : [.. output[..^1].Split('\0')];
    }

    private static string Show(string text) => "«" + text.Replace("\t", "\\t").Replace("\n", "\\n").Replace("\r", "\\r") + "»";
}

using System.Reflection.PortableExecutable;
using PrivSep.Rewriter.Model;
using PrivSep.Rewriter.Tests.Infrastructure;

namespace PrivSep.Rewriter.Tests;

/// <summary>
/// A mixed-mode (C++/CLI) image carries native code the rewriter cannot see into: it is refused, not copied. No C++/CLI
/// compiler exists here, so the image is made by clearing the ILONLY flag of a compiled assembly's CLI header — exactly
/// the mark a C++/CLI image has.
/// </summary>
[TestClass]
public sealed class MixedModeTests
{
    [TestMethod]
    public void A_mixed_mode_image_is_refused_with_PS1006_and_left_out_of_the_output()
    {
        using var temp = new TempFolder();
        string input = temp.Sub("in");
        string dll = PluginCompiler.Compile(input, "Mixed", "namespace Plugin { public static class R { public static string Read(string p) => System.IO.File.ReadAllText(p); } }");
        ClearIlOnlyFlag(dll);
        string output = Path.Combine(temp.Path, "out");

        FolderRewriteResult result = FolderRewriter.Rewrite(new RewriteOptions(input, output));

        var error = result.Diagnostics.Single(d => d.Id == "PS1006");
        Assert.AreEqual(DiagnosticSeverity.Error, error.Severity);
        StringAssert.Contains(error.Message, "mixed-mode");
        Assert.IsTrue(result.HasErrors);
        Assert.IsFalse(result.Assemblies.Any(a => a.FileName == "Mixed.dll"), "a refused image has no record");
        Assert.IsFalse(File.Exists(Path.Combine(output, "Mixed.dll")), "a refused image is not copied to the output");
    }

    private static void ClearIlOnlyFlag(string path)
    {
        byte[] image = File.ReadAllBytes(path);
        int flagsOffset;
        using (var reader = new PEReader(new MemoryStream(image)))
        {
            var headers = reader.PEHeaders;
            var cliDirectory = headers.PEHeader!.CorHeaderTableDirectory;
            Assert.IsTrue(headers.TryGetDirectoryOffset(cliDirectory, out int corHeaderOffset));

            // IMAGE_COR20_HEADER: cb (4), runtime version (2+2), metadata directory (8), then Flags.
            flagsOffset = corHeaderOffset + 16;
            Assert.AreEqual((int)headers.CorHeader!.Flags, BitConverter.ToInt32(image, flagsOffset));
        }

        int flags = BitConverter.ToInt32(image, flagsOffset) & ~(int)CorFlags.ILOnly;
        BitConverter.GetBytes(flags).CopyTo(image, flagsOffset);
        File.WriteAllBytes(path, image);
    }
}

using PrivSep.Rewriter.Catalog;
using PrivSep.Rewriter.Model;
using PrivSep.Rewriter.Tests.Infrastructure;

namespace PrivSep.Rewriter.Tests;

/// <summary>
/// The classification of the file-system surface (Catalog/FileSystemSurface.json) against the real .NET reference
/// assemblies, and PS1004 as it follows from it: every call to a by-path member the catalog does not replace, getters
/// included, and never a call to a member that touches nothing by path.
/// </summary>
[TestClass]
public sealed class FileSystemSurfaceTests
{
    /// <summary>A catalog of one member, so that what is "not replaced" does not depend on the real Shim's progress.</summary>
    private const string OneMemberShim = """
        using System;
        using System.IO;

        namespace PrivSep.Shim
        {
            [AttributeUsage(AttributeTargets.Method)]
            public sealed class ReplacesAttribute : Attribute { public ReplacesAttribute(string id) { } }

            public static class FileShims
            {
                [Replaces("M:System.IO.File.ReadAllText(System.String)")]
                public static string ReadAllText(string path) => File.ReadAllText(path);
            }
        }
        """;

    /// <summary>Each line ending in //PS1004 must give PS1004 on that line, and no other line may.</summary>
    private const string Calls = """
        using System;
        using System.IO;
        using System.Xml.Linq;
        using Microsoft.Win32.SafeHandles;

        namespace Plugin
        {
            public static class Calls
            {
                public static bool Exists(string p) => new FileInfo(p).Exists; //PS1004
                public static long Length(FileInfo f) => f.Length; //PS1004
                public static DateTime Written(FileInfo f) => f.LastWriteTimeUtc; //PS1004
                public static void Touch(FileInfo f) => f.LastWriteTimeUtc = DateTime.UtcNow; //PS1004
                public static bool FileExists(string p) => File.Exists(p); //PS1004
                public static string[] List(DirectoryInfo d) => Array.ConvertAll(d.GetFiles(), f => f.Name); //PS1004
                public static FileStream Open(string p) => new FileStream(p, FileMode.Open); //PS1004
                public static void Chdir(string p) => Directory.SetCurrentDirectory(p); //PS1004
                public static XDocument Xml(string p) => XDocument.Load(p); //PS1004
                public static Func<string, bool> Group() => File.Exists; //PS1004
                public static string Read(string p) => File.ReadAllText(p);
                public static string Cwd() => Directory.GetCurrentDirectory();
                public static DateTime HandleTime(SafeFileHandle h) => File.GetLastWriteTimeUtc(h);
                public static string Names(string p) { var f = new FileInfo(p); return f.Name + f.FullName + f.Extension + f.DirectoryName + f.Directory; }
                public static string Root(string p) => Directory.GetDirectoryRoot(p) + Directory.GetParent(p);
                public static int ReadByte(FileStream s) => s.ReadByte() + (int)s.Length;
                public static string ReadAll(StreamReader r) => r.ReadToEnd();
                public static long Random(SafeFileHandle h) => RandomAccess.GetLength(h);
            }
        }
        """;

    [TestMethod]
    public void Every_public_member_of_the_file_system_types_in_the_reference_assemblies_is_classified()
    {
        FileSystemSurface surface = FileSystemSurface.Load();

        Assert.IsEmpty(surface.Unclassified, "members no rule or exception of Catalog/FileSystemSurface.json classifies (add a rule or an exception):\n" + string.Join("\n", surface.Unclassified));
        Assert.IsEmpty(surface.UnusedExceptions, "exceptions of Catalog/FileSystemSurface.json that name no member (a typo, or a member .NET removed):\n" + string.Join("\n", surface.UnusedExceptions));
        foreach (string type in FileSystemSurface.Types)
        {
            Assert.IsTrue(surface.Members.Any(m => m.DeclaringType == type), $"{type} has members in the reference assemblies");
        }

        Assert.IsTrue(surface.Members.Where(m => !m.ByPath).All(m => !string.IsNullOrWhiteSpace(m.Reason)), "every member that is not by path says why");
    }

    [TestMethod]
    public void Members_are_classified_by_what_they_do_not_by_their_names()
    {
        FileSystemSurface surface = FileSystemSurface.Load();

        string[] byPath =
        [
            "M:System.IO.FileSystemInfo.get_Exists", "M:System.IO.FileInfo.get_Exists", "M:System.IO.FileInfo.get_Length",
            "M:System.IO.FileSystemInfo.set_LastWriteTimeUtc(System.DateTime)", "M:System.IO.FileSystemInfo.Refresh",
            "M:System.IO.FileSystemInfo.get_LinkTarget", "M:System.IO.DirectoryInfo.Create", "M:System.IO.File.Exists(System.String)",
            "M:System.IO.File.OpenHandle(System.String,System.IO.FileMode,System.IO.FileAccess,System.IO.FileShare,System.IO.FileOptions,System.Int64)",
            "M:System.IO.Directory.EnumerateFiles(System.String)", "M:System.IO.FileStream.#ctor(System.String,System.IO.FileMode)",
            "M:System.IO.StreamReader.#ctor(System.String)", "M:System.IO.StreamWriter.#ctor(System.String,System.Boolean)",
        ];
        string[] notByPath =
        [
            "M:System.IO.Directory.GetCurrentDirectory", "M:System.IO.File.GetLastWriteTimeUtc(Microsoft.Win32.SafeHandles.SafeFileHandle)",
            "M:System.IO.Directory.GetDirectoryRoot(System.String)", "M:System.IO.FileSystemInfo.get_Name", "M:System.IO.FileSystemInfo.get_FullName",
            "M:System.IO.FileSystemInfo.get_Extension", "M:System.IO.FileInfo.get_DirectoryName", "M:System.IO.FileInfo.#ctor(System.String)",
            "M:System.IO.DirectoryInfo.#ctor(System.String)", "M:System.IO.FileStream.Read(System.Byte[],System.Int32,System.Int32)",
            "M:System.IO.FileStream.#ctor(Microsoft.Win32.SafeHandles.SafeFileHandle,System.IO.FileAccess)", "M:System.IO.StreamReader.#ctor(System.IO.Stream)",
            "M:System.IO.RandomAccess.GetLength(Microsoft.Win32.SafeHandles.SafeFileHandle)",
        ];
        foreach (string id in byPath)
        {
            Assert.IsTrue(surface.Find(id)?.ByPath, $"{id} touches the disk by path");
        }

        foreach (string id in notByPath)
        {
            Assert.IsFalse(surface.Find(id)?.ByPath, $"{id} touches nothing by path");
        }

        StringAssert.Contains(surface.Find("M:System.IO.Directory.SetCurrentDirectory(System.String)")!.Reason, "cannot be brokered");
        StringAssert.Contains(surface.Find("M:System.IO.File.Encrypt(System.String)")!.Reason, "not supported on Linux");
        Assert.IsNull(surface.Find("M:System.IO.File.Exists(System.String)")!.Reason, "meant to be replaced: no reason to leave it out");
        Assert.AreEqual("M:System.IO.FileSystemInfo.get_Attributes", surface.Find("M:System.IO.FileInfo.get_Attributes")?.Id, "a call compiled against FileInfo to a member FileSystemInfo declares");
        Assert.IsNull(surface.Find("M:System.IO.Path.GetFileName(System.String)"), "Path is not part of the surface");
    }

    [TestMethod]
    public void A_member_a_new_reference_assembly_adds_is_reported_unclassified_not_silently_taken_as_pure()
    {
        using var temp = new TempFolder();
        string references = temp.Sub("ref");
        PluginCompiler.Compile(references, "System.Runtime", """
            namespace System.IO
            {
                public static class File
                {
                    public static string ReadAllText(string path) => path;
                    public static System.DateTime GetLastWriteTimeUtc(Microsoft.Win32.SafeHandles.SafeFileHandle handle) => default;
                    public static void Frobnicate(System.ReadOnlySpan<char> path) { }
                }
            }
            """, Symbols.None);

        FileSystemSurface surface = FileSystemSurface.Load(references);

        CollectionAssert.AreEqual(new[] { "M:System.IO.File.Frobnicate(System.ReadOnlySpan{System.Char})" }, surface.Unclassified.ToArray());
        Assert.IsTrue(surface.Find("M:System.IO.File.ReadAllText(System.String)")!.ByPath);
        Assert.IsFalse(surface.Find("M:System.IO.File.GetLastWriteTimeUtc(Microsoft.Win32.SafeHandles.SafeFileHandle)")!.ByPath);
    }

    [TestMethod]
    public void PS1004_fires_on_every_call_to_a_by_path_member_the_catalog_does_not_replace_and_on_nothing_else()
    {
        using var temp = new TempFolder();
        string shim = PluginCompiler.Compile(temp.Sub("shim"), "PrivSep.Shim", OneMemberShim);
        string input = temp.Sub("in");
        PluginCompiler.Compile(input, "Plugin", Calls);

        FolderRewriteResult scan = FolderRewriter.Scan(input, shim);

        string[] lines = Calls.Split('\n');
        int[] expected = Enumerable.Range(0, lines.Length).Where(i => lines[i].TrimEnd().EndsWith("//PS1004", StringComparison.Ordinal)).Select(i => i + 1).ToArray();
        int[] reported = scan.Diagnostics.Where(d => d.Id == DiagnosticIds.FileOpeningApi).Select(d => d.Line ?? -1).Distinct().Order().ToArray();
        CollectionAssert.AreEqual(expected, reported, string.Join("\n", scan.Diagnostics));
        RewriteDiagnostic chdir = scan.Diagnostics.Single(d => d.Id == DiagnosticIds.FileOpeningApi && d.Message.Contains("SetCurrentDirectory", StringComparison.Ordinal));
        StringAssert.Contains(chdir.Message, "cannot be brokered", "the reason it is left out is given");
        RewriteDiagnostic exists = scan.Diagnostics.First(d => d.Id == DiagnosticIds.FileOpeningApi && d.Message.Contains("get_Exists", StringComparison.Ordinal));
        StringAssert.Contains(exists.Message, "not replaced by the Shim");
    }
}

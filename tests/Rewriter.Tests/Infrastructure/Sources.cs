namespace PrivSep.Rewriter.Tests.Infrastructure;

/// <summary>The C# of the test plugins. Line numbers matter to the diagnostics tests: markers name them.</summary>
internal static class Sources
{
    public const string Calls = """
        using System;
        using System.Collections.Generic;
        using System.IO;
        using System.Net.NetworkInformation;
        using System.Threading.Tasks;

        namespace Plugin
        {
            public static class Calls
            {
                public static string Read(string path) => File.ReadAllText(path);
                public static string ReadStream(string path) { using (var s = new FileStream(path, FileMode.Open, FileAccess.Read)) using (var r = new StreamReader(s)) return r.ReadToEnd(); }
                public static string ReadWithReader(string path) { using (var r = new StreamReader(path)) return r.ReadToEnd(); }
                public static PingReply PingIt(Ping ping) => ping.Send("127.0.0.1");
                public static Func<string, string> Group() => File.ReadAllText;
                public static Func<string, PingReply> PingGroup(Ping ping) => ping.Send;
                public static async Task<string> ReadAsync(string path) { await Task.Yield(); return File.ReadAllText(path); }
                public static IEnumerable<string> Iterate(string path) { yield return File.ReadAllText(path); }
                public static string Lambda(string path) { Func<string> f = () => File.ReadAllText(path); return f(); }
                public static string Local(string path) { return L(); string L() => File.ReadAllText(path); }
                public static string Generic<T>(T value, string path) => value + File.ReadAllText(path);
                public static PingReply OnTypeParameter<T>(T ping) where T : Ping => ping.Send("127.0.0.1");
                public static int ThroughBase(Stream stream) => stream.Read(new byte[1], 0, 1);
                public static string Guarded(string path) { try { if (path == null) return "none"; return File.ReadAllText(path); } catch (IOException) { return "io"; } finally { path = null; } }
            }

            public sealed class Holder<T>
            {
                public string Read(string path) => typeof(T).Name + File.ReadAllText(path);
            }
        }
        """;

    public const string Untouched = """
        namespace Quiet
        {
            public static class Math2 { public static int Twice(int x) => x * 2; }
        }
        """;

    /// <summary>Each line ending in //PSnnnn must produce that diagnostic on that line.</summary>
    public const string Unredirectable = """
        using System;
        using System.IO;
        using System.Runtime.InteropServices;
        using System.Xml.Linq;

        namespace Rogue
        {
            public static unsafe class Tricks
            {
                [DllImport("libc", EntryPoint = "open")]
                public static extern int Open(string path, int flags);
                public static object ByReflection() => typeof(File).GetMethod("ReadAllText", new[] { typeof(string) }); //PS1001
                public static Type ByName() => Type.GetType("System.IO.File"); //PS1001
                public static System.Linq.Expressions.Expression<Func<string, string>> Tree() => p => File.ReadAllText(p); //PS1001
                public static XDocument Xml(string path) => XDocument.Load(path); //PS1004
                public static int Pointer(delegate* unmanaged<int> f) => f(); //PS1003
                public static bool Info(string path) => new FileInfo(path).OpenRead() != null; //PS1004
            }

            public class MyStream : FileStream
            {
                public MyStream(string path) : base(path, FileMode.Open) { }
            }
        }
        """;

    /// <summary>A fake Shim replacing a virtual member, for ldvirtftn and base calls.</summary>
    public const string FakeShim = """
        using System;
        using System.IO;

        namespace PrivSep.Shim
        {
            [AttributeUsage(AttributeTargets.Method)]
            public sealed class ReplacesAttribute : Attribute { public ReplacesAttribute(string id) { } }

            public static class StreamShims
            {
                public static int Flushes;

                [Replaces("M:System.IO.Stream.Flush")]
                public static void Flush(Stream stream) { if (stream == null) throw new NullReferenceException(); Flushes++; stream.Flush(); }

                [Replaces("M:System.IO.Stream.Close")]
                public static void Close(Stream stream) { stream.Close(); }
            }
        }
        """;

    public const string VirtualCalls = """
        using System;
        using System.IO;

        namespace Plugin
        {
            public static class Virtuals
            {
                public static Action FlushGroup(Stream s) => s.Flush;
                public static void FlushNow(Stream s) => s.Flush();
            }

            public abstract class Derived : Stream
            {
                public override void Close() { base.Close(); }
            }
        }
        """;

    public const string BadShim = """
        using System;
        using System.IO;

        namespace PrivSep.Shim
        {
            [AttributeUsage(AttributeTargets.Method)]
            public sealed class ReplacesAttribute : Attribute { public ReplacesAttribute(string id) { } }

            public static class Bad
            {
                [Replaces("M:System.IO.File.ReadAllTextt(System.String)")]
                public static string NoSuchMember(string path) => path;

                [Replaces("M:System.IO.File.ReadAllText(System.String)")]
                public static int WrongReturn(string path) => 0;

                [Replaces("M:System.IO.Stream.Flush")]
                public static void MissingInstance() { }

                [Replaces("M:System.IO.FileStream.#ctor(System.String,System.IO.FileMode)")]
                public static Stream FactoryOfWrongType(string path, FileMode mode) => null;
            }
        }
        """;
}

using System.Reflection;
using System.Text;

namespace PrivSep.Shim.Tests.Catalog;

/// <summary>The test-only ID builder against IDs written by hand in the documented format.</summary>
[TestClass]
public sealed class DocumentationIdTests
{
    [TestMethod]
    public void StaticMethod() =>
        Assert.AreEqual("M:System.IO.File.ReadAllText(System.String)", DocumentationId.Of(typeof(File).GetMethod("ReadAllText", [typeof(string)])!));

    [TestMethod]
    public void Constructor() =>
        Assert.AreEqual("M:System.IO.FileStream.#ctor(System.String,System.IO.FileMode)", DocumentationId.Of(typeof(FileStream).GetConstructor([typeof(string), typeof(FileMode)])!));

    [TestMethod]
    public void GenericArgumentsArraysAndSpans()
    {
        Assert.AreEqual(
            "M:System.IO.File.WriteAllLines(System.String,System.Collections.Generic.IEnumerable{System.String},System.Text.Encoding)",
            DocumentationId.Of(typeof(File).GetMethod("WriteAllLines", [typeof(string), typeof(IEnumerable<string>), typeof(Encoding)])!));
        Assert.AreEqual("M:System.IO.File.WriteAllBytes(System.String,System.Byte[])", DocumentationId.Of(typeof(File).GetMethod("WriteAllBytes", [typeof(string), typeof(byte[])])!));
        Assert.AreEqual(
            "M:System.IO.File.WriteAllText(System.String,System.ReadOnlySpan{System.Char})",
            DocumentationId.Of(typeof(File).GetMethod("WriteAllText", [typeof(string), typeof(ReadOnlySpan<char>)])!));
    }

    [TestMethod]
    public void ParameterlessByRefAndGenericMethods()
    {
        Assert.AreEqual("M:System.Object.ToString", DocumentationId.Of(typeof(object).GetMethod("ToString")!));
        Assert.AreEqual("M:System.Int32.TryParse(System.String,System.Int32@)", DocumentationId.Of(typeof(int).GetMethod("TryParse", [typeof(string), typeof(int).MakeByRefType()])!));
        var toArray = typeof(Enumerable).GetMethod("ToArray", BindingFlags.Public | BindingFlags.Static)!;
        Assert.AreEqual("M:System.Linq.Enumerable.ToArray``1(System.Collections.Generic.IEnumerable{``0})", DocumentationId.Of(toArray));
        Assert.AreEqual("M:System.Collections.Generic.List`1.Add(`0)", DocumentationId.Of(typeof(List<>).GetMethod("Add")!));
    }

    [TestMethod]
    public void ResolvesToTheMemberItWasBuiltFrom()
    {
        var method = typeof(File).GetMethod("ReadAllTextAsync", [typeof(string), typeof(Encoding), typeof(CancellationToken)])!;
        var resolved = BclMembers.Resolve(DocumentationId.Of(method));
        Assert.HasCount(1, resolved);
        Assert.AreEqual(method, resolved[0]);
        Assert.IsEmpty(BclMembers.Resolve("M:System.IO.File.ReadAllText(System.Int32)"));
    }
}

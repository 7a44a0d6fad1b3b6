using PrivSep.Rewriter.Catalog;
using PrivSep.Rewriter.Tests.Infrastructure;

namespace PrivSep.Rewriter.Tests;

[TestClass]
public sealed class CatalogTests
{
    [TestMethod]
    public void RealShimCatalogLoadsEveryReplacement()
    {
        ShimCatalog catalog = ShimCatalog.Load(ShimLocator.DefaultShimPath);

        Assert.AreEqual(133, catalog.Entries.Count);
        Assert.AreEqual(64, catalog.Sha256.Length);
        CatalogEntry read = catalog.Entries.Single(e => e.OriginalId == "M:System.IO.File.ReadAllText(System.String)");
        Assert.AreEqual(ReplacementShape.Static, read.Shape);
        Assert.AreEqual(ReplacementShape.Constructor, catalog.Entries.Single(e => e.OriginalId == "M:System.IO.FileStream.#ctor(System.String,System.IO.FileMode)").Shape);
        Assert.AreEqual(ReplacementShape.Instance, catalog.Entries.Single(e => e.OriginalId == "M:System.Net.NetworkInformation.Ping.Send(System.String)").Shape);

        // Process.Start: the parameterless instance member and the static overloads share a name and must not be confused.
        CatalogEntry instanceStart = catalog.Entries.Single(e => e.OriginalId == "M:System.Diagnostics.Process.Start");
        Assert.AreEqual(ReplacementShape.Instance, instanceStart.Shape);
        Assert.IsFalse(instanceStart.IsVirtual);
        Assert.AreEqual(ReplacementShape.Static, catalog.Entries.Single(e => e.OriginalId == "M:System.Diagnostics.Process.Start(System.Diagnostics.ProcessStartInfo)").Shape);
    }

    [TestMethod]
    public void BadEntriesAreErrorsThatNameThem()
    {
        using var temp = new TempFolder();
        string shim = PluginCompiler.Compile(temp.Path, "PrivSep.Shim", Sources.BadShim);

        ShimCatalogException error = Assert.ThrowsExactly<ShimCatalogException>(() => ShimCatalog.Load(shim));

        Assert.AreEqual(4, error.Diagnostics.Count, error.Message);
        Assert.IsTrue(error.Diagnostics.All(d => d.Id == DiagnosticIds.InvalidCatalog && d.Severity == Model.DiagnosticSeverity.Error));
        StringAssert.Contains(error.Message, "ReadAllTextt");
        StringAssert.Contains(error.Message, "NoSuchMember");
        StringAssert.Contains(error.Message, "WrongReturn");
        StringAssert.Contains(error.Message, "MissingInstance");
        StringAssert.Contains(error.Message, "FactoryOfWrongType");
    }

    [TestMethod]
    public void FakeShimWithVirtualMemberLoads()
    {
        using var temp = new TempFolder();
        string shim = PluginCompiler.Compile(temp.Path, "PrivSep.Shim", Sources.FakeShim);

        ShimCatalog catalog = ShimCatalog.Load(shim);

        Assert.AreEqual(2, catalog.Entries.Count);
        Assert.IsTrue(catalog.Entries.All(e => e.Shape == ReplacementShape.Instance && e.IsVirtual));
    }

    [TestMethod]
    public void UnreadableShimIsAnError()
    {
        using var temp = new TempFolder();
        string path = Path.Combine(temp.Path, "PrivSep.Shim.dll");
        File.WriteAllText(path, "not an assembly");

        ShimCatalogException error = Assert.ThrowsExactly<ShimCatalogException>(() => ShimCatalog.Load(path));
        Assert.AreEqual(DiagnosticIds.InvalidCatalog, error.Diagnostics.Single().Id);
    }
}

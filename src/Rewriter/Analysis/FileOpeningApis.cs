namespace PrivSep.Rewriter.Analysis;

/// <summary>
/// Framework loaders: BCL members outside the file-system types that open files (or start processes) themselves from a
/// path, out of the Shim's reach: their internal calls are in the framework, which is never rewritten. Matched by
/// documentation-ID prefix; calls to them are PS1004. The file-system types themselves (File, FileInfo, FileStream, …)
/// are classified member by member from the reference assemblies instead (<see cref="Catalog.FileSystemSurface"/>).
/// </summary>
internal static class FileOpeningApis
{
    private static readonly string[] Prefixes =
    [
        "M:System.Xml.Linq.XDocument.Load(System.String",
        "M:System.Xml.Linq.XDocument.Save(System.String",
        "M:System.Xml.Linq.XElement.Load(System.String",
        "M:System.Xml.Linq.XElement.Save(System.String",
        "M:System.Xml.Linq.XStreamingElement.Save(System.String",
        "M:System.Xml.XmlReader.Create(System.String",
        "M:System.Xml.XmlWriter.Create(System.String",
        "M:System.Xml.XmlDocument.Load(System.String",
        "M:System.Xml.XmlDocument.Save(System.String",
        "M:System.Xml.XmlTextReader.#ctor(System.String",
        "M:System.Xml.XmlTextWriter.#ctor(System.String",
        "M:System.Xml.Xsl.XslCompiledTransform.Load(System.String",
        "M:System.Xml.Xsl.XslCompiledTransform.Transform(System.String",
        "M:System.Data.DataSet.ReadXml(System.String",
        "M:System.Data.DataSet.WriteXml(System.String",
        "M:System.IO.Compression.ZipFile.",
        "M:System.IO.Compression.ZipFileExtensions.",
        "M:System.Formats.Tar.TarFile.",
        "M:System.IO.MemoryMappedFiles.MemoryMappedFile.CreateFromFile(System.String",
        "M:System.IO.FileSystemWatcher.#ctor(System.String",
        "M:System.Diagnostics.Process.Start(",
        "M:System.Diagnostics.FileVersionInfo.GetVersionInfo(System.String",
        "M:System.Reflection.Assembly.LoadFrom(System.String",
        "M:System.Reflection.Assembly.LoadFile(System.String",
        "M:System.Runtime.Loader.AssemblyLoadContext.LoadFromAssemblyPath(System.String",
        "M:System.Security.Cryptography.X509Certificates.X509Certificate2.#ctor(System.String",
        "M:System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(System.String",
        "M:System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12FromFile(System.String",
    ];

    /// <summary>Native-code loaders reported as P/Invoke (PS1002) by the scanner, by documentation-ID prefix.</summary>
    internal static readonly string[] NativeCodePrefixes =
    [
        "M:System.Runtime.InteropServices.NativeLibrary.",
        "M:System.Runtime.InteropServices.Marshal.GetDelegateForFunctionPointer",
    ];

    /// <summary>
    /// Prefilter for the scanner: false when no member of the call's declaring type can match any prefix above (file
    /// openers or native-code loaders) nor belong to the file-system surface, so the full documentation ID need not be built.
    /// </summary>
    internal static readonly Catalog.TopLevelTypeFilter ScannedTypes =
        new([.. Prefixes, .. NativeCodePrefixes, .. Catalog.FileSystemSurface.Types.Select(t => "M:" + t + ".")]);

    /// <summary>True when a call to this (uncataloged) member opens a path by itself.</summary>
    public static bool OpensPath(string documentationId)
    {
        foreach (string prefix in Prefixes)
        {
            if (documentationId.StartsWith(prefix, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}

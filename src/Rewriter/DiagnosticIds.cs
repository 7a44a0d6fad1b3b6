namespace PrivSep.Rewriter;

/// <summary>The rewriter's stable diagnostic IDs. Never renumber: scripts, manifests and suppressions refer to them.</summary>
public static class DiagnosticIds
{
    /// <summary>A catalog entry of the Shim is invalid (error).</summary>
    public const string InvalidCatalog = "PS1000";

    /// <summary>Reflection over a cataloged type or member, or <c>ldtoken</c> of a cataloged member (warning: the kernel decides).</summary>
    public const string Reflection = "PS1001";

    /// <summary>P/Invoke (DllImport/LibraryImport, NativeLibrary) into native code (warning).</summary>
    public const string PlatformInvoke = "PS1002";

    /// <summary>An indirect call (<c>calli</c>) through a function pointer (warning).</summary>
    public const string IndirectCall = "PS1003";

    /// <summary>A BCL API that opens files itself from a path (XDocument.Load(string), FileInfo, …) (warning).</summary>
    public const string FileOpeningApi = "PS1004";

    /// <summary>A plugin type derives from a type whose constructors are cataloged (error: cannot be redirected).</summary>
    public const string DerivesFromPrivilegedType = "PS1005";

    /// <summary>A mixed-mode (C++/CLI) image (error: refused).</summary>
    public const string MixedModeImage = "PS1006";

    /// <summary>A ReadyToRun image was converted to IL-only (info).</summary>
    public const string ReadyToRunConverted = "PS1007";

    /// <summary>A file could not be read as a .NET assembly (error; a native library is copied unchanged with a warning).</summary>
    public const string UnreadableAssembly = "PS1008";

    /// <summary>A strong-named assembly was rewritten without a key: identity kept, signature no longer valid (warning).</summary>
    public const string StrongNameNotResigned = "PS1009";

    /// <summary>A non-virtual (<c>base.</c>) call to a virtual cataloged member cannot be redirected (warning).</summary>
    public const string BaseCall = "PS1010";

    /// <summary>The assembly already carries PrivSep's marker and was left as it was (info).</summary>
    public const string AlreadyRewritten = "PS1011";

    /// <summary>A file belongs to the Shim's run-time closure and was replaced by the deployed copy, not rewritten (info).</summary>
    public const string ShimDependency = "PS1012";

    /// <summary>Symbols (PDB) could not be read; the assembly was rewritten without them (warning).</summary>
    public const string SymbolsUnreadable = "PS1013";

    /// <summary>A <c>.deps.json</c> of the output could not be updated to list the Shim's run-time files (warning).</summary>
    public const string DepsFileNotUpdated = "PS1014";
}

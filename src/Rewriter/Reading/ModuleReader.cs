using Mono.Cecil;
using Mono.Cecil.Cil;

namespace PrivSep.Rewriter;

/// <summary>
/// Reads one assembly with its symbols (portable PDB beside it or embedded), fully into memory so the file can be
/// replaced in place afterwards. Symbols that cannot be read are dropped rather than failing the assembly.
/// </summary>
internal static class ModuleReader
{
    public static ModuleDefinition Read(string path, IAssemblyResolver resolver, out string? symbolProblem)
    {
        symbolProblem = null;
        try
        {
            return ModuleDefinition.ReadModule(path, Parameters(resolver, readSymbols: true));
        }
        catch (Exception ex) when (ex is SymbolsNotMatchingException or InvalidOperationException or IOException || (ex is BadImageFormatException && HasSymbols(path)))
        {
            symbolProblem = ex.Message;
            return ModuleDefinition.ReadModule(path, Parameters(resolver, readSymbols: false));
        }
    }

    /// <summary>A bad-image error is the PDB's only when a PDB is there; otherwise the assembly itself is unreadable.</summary>
    private static bool HasSymbols(string path)
    {
        if (File.Exists(Path.ChangeExtension(path, ".pdb")))
        {
            return true;
        }

        try
        {
            using ModuleDefinition module = ModuleDefinition.ReadModule(path, new ReaderParameters(ReadingMode.Deferred) { InMemory = true });
            return module.HasDebugHeader;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
    }

    private static ReaderParameters Parameters(IAssemblyResolver resolver, bool readSymbols) => new(ReadingMode.Immediate)
    {
        InMemory = true,
        ReadSymbols = readSymbols,
        SymbolReaderProvider = readSymbols ? new DefaultSymbolReaderProvider(throwIfNoSymbol: false) : null,
        AssemblyResolver = resolver,
    };
}

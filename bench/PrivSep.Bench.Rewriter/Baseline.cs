using Mono.Cecil;
using Mono.Cecil.Cil;

namespace PrivSep.Bench.Rewriter;

/// <summary>
/// The floor: what any Cecil-based rewriter pays at least. Every assembly of the folder is read fully into memory
/// (immediate mode, its PDB with it when it has one, as the engine reads) and written back, symbols included.
/// </summary>
internal static class Baseline
{
    public static void ReadWriteAll(string input, string output)
    {
        Directory.CreateDirectory(output);
        using var resolver = new DefaultAssemblyResolver();
        resolver.AddSearchDirectory(input);
        resolver.AddSearchDirectory(Inputs.FrameworkDirectory);
        foreach (string file in Directory.EnumerateFiles(input))
        {
            if (!file.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            {
                if (!file.EndsWith(".pdb", StringComparison.OrdinalIgnoreCase))
                {
                    File.Copy(file, Path.Combine(output, Path.GetFileName(file)));
                }

                continue;
            }

            bool symbols = File.Exists(Path.ChangeExtension(file, ".pdb"));
            var read = new ReaderParameters(ReadingMode.Immediate) { InMemory = true, AssemblyResolver = resolver, ReadSymbols = symbols };
            using ModuleDefinition module = ModuleDefinition.ReadModule(file, read);
            // ReadyToRun images (the whole shared framework) are not ILOnly: Cecil writes them only as IL-only, as the engine does.
            module.Attributes = (module.Attributes & ~(ModuleAttributes)0x4) | ModuleAttributes.ILOnly;
            var write = new WriterParameters { DeterministicMvid = true, WriteSymbols = symbols };
            if (symbols)
            {
                write.SymbolWriterProvider = new PortablePdbWriterProvider();
            }

            module.Write(Path.Combine(output, Path.GetFileName(file)), write);
        }
    }
}

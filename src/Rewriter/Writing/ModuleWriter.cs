using Mono.Cecil;
using Mono.Cecil.Cil;

namespace PrivSep.Rewriter.Writing;

/// <summary>The image a rewritten module becomes: assembly bytes and, for a PDB beside it, the PDB's bytes.</summary>
internal sealed record WrittenImage(ReadOnlyMemory<byte> Assembly, ReadOnlyMemory<byte>? Pdb);

/// <summary>
/// Writes a rewritten module to memory: deterministic (MVID from the content), debug symbols kept in the form they had
/// (portable PDB beside, embedded, or none), strong name re-signed when a key is given, ReadyToRun code dropped.
/// </summary>
internal static class ModuleWriter
{
    public static WrittenImage Write(ModuleDefinition module, string fileName, byte[]? strongNameKey, bool dropNativeCode)
    {
        if (dropNativeCode)
        {
            // ReadyToRun: keep the IL, drop precompiled code (it still calls the original members) by writing a plain IL-only image.
            module.Attributes = (module.Attributes & ~(ModuleAttributes)0x4 /* ILLibrary */) | ModuleAttributes.ILOnly;
            if (module.Architecture is not (TargetArchitecture.I386 or TargetArchitecture.AMD64 or TargetArchitecture.ARM64 or TargetArchitecture.IA64 or TargetArchitecture.ARM or TargetArchitecture.ARMv7))
            {
                module.Architecture = TargetArchitecture.I386;
            }
        }

        var parameters = new WriterParameters { DeterministicMvid = true };
        if (strongNameKey is not null)
        {
            parameters.StrongNameKeyBlob = strongNameKey;
        }

        using var assembly = new MemoryStream();
        MemoryStream? pdb = null;
        try
        {
            if (module.HasSymbols && module.SymbolReader is not null)
            {
                parameters.WriteSymbols = true;
                if (module.SymbolReader is EmbeddedPortablePdbReader)
                {
                    // Cecil's embedded-PDB writer needs a file name, not a stream: write in a private scratch folder.
                    parameters.SymbolWriterProvider = new EmbeddedPortablePdbWriterProvider();
                    return new WrittenImage(WriteThroughScratchFile(module, fileName, parameters), null);
                }
                else
                {
                    pdb = new MemoryStream();
                    parameters.SymbolWriterProvider = new PortablePdbWriterProvider();
                    parameters.SymbolStream = pdb;
                }
            }

            module.Write(assembly, parameters);

            // The streams' own buffers, not copies (ToArray): the image is written out and hashed, then dropped.
            return new WrittenImage(Written(assembly), pdb is null ? (ReadOnlyMemory<byte>?)null : Written(pdb));
        }
        finally
        {
            pdb?.Dispose();
        }
    }

    private static ReadOnlyMemory<byte> Written(MemoryStream stream) => stream.GetBuffer().AsMemory(0, checked((int)stream.Length));

    private static byte[] WriteThroughScratchFile(ModuleDefinition module, string fileName, WriterParameters parameters)
    {
        string scratch = Path.Combine(Path.GetTempPath(), "privsep-rewriter-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(scratch);
        try
        {
            string path = Path.Combine(scratch, Path.GetFileName(fileName));
            module.Write(path, parameters);
            return File.ReadAllBytes(path);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }
}

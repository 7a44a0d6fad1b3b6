using System.Reflection.PortableExecutable;

namespace PrivSep.Rewriter;

/// <summary>What a file is, decided from its PE headers before Cecil reads it.</summary>
internal enum ImageKind
{
    /// <summary>Not a PE image, or a truncated/corrupt one.</summary>
    Unreadable,

    /// <summary>A PE image without CLI metadata (a native library).</summary>
    Native,

    /// <summary>Pure IL: what the rewriter works on.</summary>
    ILOnly,

    /// <summary>IL plus precompiled native code (crossgen); rewritten as IL-only.</summary>
    ReadyToRun,

    /// <summary>IL mixed with native code the CLR itself runs (C++/CLI): refused.</summary>
    MixedMode,
}

internal static class ImageInspector
{
    private const CorFlags ILLibrary = (CorFlags)0x4;

    public static ImageKind Inspect(byte[] image, out string? problem)
    {
        problem = null;
        try
        {
            using var reader = new PEReader(new MemoryStream(image, writable: false));
            PEHeaders headers = reader.PEHeaders;
            if (headers.CorHeader is null)
            {
                return ImageKind.Native;
            }

            CorFlags flags = headers.CorHeader.Flags;
            if (headers.CorHeader.ManagedNativeHeaderDirectory.Size > 0 || (flags & ILLibrary) != 0)
            {
                return ImageKind.ReadyToRun;
            }

            if ((flags & CorFlags.ILOnly) == 0)
            {
                return ImageKind.MixedMode;
            }

            if (!reader.HasMetadata)
            {
                problem = "the CLI header names no metadata";
                return ImageKind.Unreadable;
            }

            return ImageKind.ILOnly;
        }
        catch (BadImageFormatException ex)
        {
            problem = ex.Message;
            return ImageKind.Unreadable;
        }
    }
}

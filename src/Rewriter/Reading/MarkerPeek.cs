using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using PrivSep.Rewriter.Writing;

namespace PrivSep.Rewriter;

/// <summary>
/// Looks for the <see cref="RewriteMarker"/> with System.Reflection.Metadata, before (and instead of) a full Cecil read,
/// so a no-op second run costs little more than copying the files. Only a certain answer counts: anything this reader is
/// unsure of returns null and the assembly takes the full path, where <see cref="RewriteMarker.Find"/> decides as before.
/// </summary>
internal static class MarkerPeek
{
    private const byte ElementTypeString = 0x0e;

    /// <summary>The marker's value, exactly as <see cref="RewriteMarker.Find"/> would return it; null when absent or unsure.</summary>
    public static unsafe string? Find(byte[] image)
    {
        try
        {
            fixed (byte* start = image)
            {
                using var pe = new PEReader(start, image.Length);
                if (!pe.HasMetadata)
                {
                    return null;
                }

                MetadataReader reader = pe.GetMetadataReader();
                if (!reader.IsAssembly)
                {
                    return null;
                }

                foreach (CustomAttributeHandle handle in reader.GetAssemblyDefinition().GetCustomAttributes())
                {
                    CustomAttribute attribute = reader.GetCustomAttribute(handle);
                    if (!IsAssemblyMetadataAttribute(reader, attribute.Constructor, out BlobHandle signature))
                    {
                        continue;
                    }

                    int? parameters = StringParameters(reader.GetBlobReader(signature));
                    if (parameters is null)
                    {
                        // Two parameters, not both plain strings: Cecil might still see the key; let it decide.
                        return null;
                    }

                    if (parameters != 2)
                    {
                        // Cecil's filter (ConstructorArguments.Count == 2) skips it as well.
                        continue;
                    }

                    BlobReader value = reader.GetBlobReader(attribute.Value);
                    if (value.ReadUInt16() != 1)
                    {
                        return null;
                    }

                    string? key = value.ReadSerializedString();
                    string? text = value.ReadSerializedString();
                    if (key == RewriteMarker.Key)
                    {
                        return text ?? string.Empty;
                    }
                }

                return null;
            }
        }
        catch (Exception ex) when (ex is BadImageFormatException or InvalidOperationException or ArgumentException)
        {
            return null;
        }
    }

    private static bool IsAssemblyMetadataAttribute(MetadataReader reader, EntityHandle constructor, out BlobHandle signature)
    {
        signature = default;
        StringHandle ns, name;
        switch (constructor.Kind)
        {
            case HandleKind.MemberReference:
                MemberReference member = reader.GetMemberReference((MemberReferenceHandle)constructor);
                signature = member.Signature;
                if (member.Parent.Kind == HandleKind.TypeReference)
                {
                    TypeReference type = reader.GetTypeReference((TypeReferenceHandle)member.Parent);
                    (ns, name) = (type.Namespace, type.Name);
                }
                else if (member.Parent.Kind == HandleKind.TypeDefinition)
                {
                    TypeDefinition type = reader.GetTypeDefinition((TypeDefinitionHandle)member.Parent);
                    (ns, name) = (type.Namespace, type.Name);
                }
                else
                {
                    return false;
                }

                break;
            case HandleKind.MethodDefinition:
                MethodDefinition method = reader.GetMethodDefinition((MethodDefinitionHandle)constructor);
                signature = method.Signature;
                TypeDefinition declaring = reader.GetTypeDefinition(method.GetDeclaringType());
                (ns, name) = (declaring.Namespace, declaring.Name);
                break;
            default:
                return false;
        }

        return reader.StringComparer.Equals(ns, "System.Reflection") && reader.StringComparer.Equals(name, "AssemblyMetadataAttribute");
    }

    /// <summary>The constructor's parameter count when it is not 2; 2 for (string, string); null for any other 2-parameter shape.</summary>
    private static int? StringParameters(BlobReader signature)
    {
        SignatureHeader header = signature.ReadSignatureHeader();
        if (header.Kind != SignatureKind.Method || header.IsGeneric)
        {
            return null;
        }

        int count = signature.ReadCompressedInteger();
        if (count != 2)
        {
            return count;
        }

        return signature.ReadByte() == 0x01 /* void */
            && signature.ReadByte() == ElementTypeString
            && signature.ReadByte() == ElementTypeString ? 2 : null;
    }
}

using System.Collections.Immutable;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Runtime.InteropServices;
using PrivSep.Rewriter.Analysis;
using PrivSep.Rewriter.Catalog;

namespace PrivSep.Rewriter;

/// <summary>
/// Decides from the raw IL (System.Reflection.Metadata, no Cecil decoding) whether a method body can hold anything the
/// scanner reports or the rewriter redirects: a call, newobj, ldftn or ldvirtftn to a member of a type the catalog or
/// the scanner's prefix lists can name, a <c>ldtoken</c> of such a member or of a cataloged type, a <c>ldstr</c> that
/// names a cataloged type, or a <c>calli</c>. Bodies that cannot are left undecoded, so Cecil writes them out as it read
/// them, as a plain read + write does. Every test is a necessary condition of the Cecil-side checks (and anything
/// unexpected answers "may"), so no diagnostic or rewrite is lost.
/// </summary>
internal sealed class BodyPrefilter : IDisposable
{
    private static readonly OperandType?[] OneByte = new OperandType?[256];
    private static readonly OperandType?[] TwoByte = new OperandType?[256];

    private readonly PEReader pe;
    private readonly MetadataReader reader;
    private readonly ShimCatalog catalog;
    private readonly Dictionary<int, bool> interesting = [];

    static BodyPrefilter()
    {
        foreach (System.Reflection.FieldInfo field in typeof(OpCodes).GetFields())
        {
            if (field.GetValue(null) is OpCode op)
            {
                ushort value = unchecked((ushort)op.Value);
                if (op.Size == 1)
                {
                    OneByte[value & 0xff] = op.OperandType;
                }
                else if ((value >> 8) == 0xfe)
                {
                    TwoByte[value & 0xff] = op.OperandType;
                }
            }
        }
    }

    private BodyPrefilter(PEReader pe, ShimCatalog catalog)
    {
        this.pe = pe;
        this.reader = pe.GetMetadataReader();
        this.catalog = catalog;
    }

    /// <summary>A prefilter over the image, or null when System.Reflection.Metadata cannot read it (then every body is decoded).</summary>
    public static BodyPrefilter? Create(byte[] image, ShimCatalog catalog)
    {
        var pe = new PEReader(ImmutableCollectionsMarshal.AsImmutableArray(image));
        try
        {
            if (pe.HasMetadata)
            {
                return new BodyPrefilter(pe, catalog);
            }
        }
        catch (BadImageFormatException)
        {
        }

        pe.Dispose();
        return null;
    }

    /// <summary>False only when the body of the method with this row number certainly holds nothing to report or rewrite.</summary>
    public bool MayNeedBody(int methodRow)
    {
        try
        {
            MethodDefinitionHandle handle = MetadataTokens.MethodDefinitionHandle(methodRow);
            int rva = this.reader.GetMethodDefinition(handle).RelativeVirtualAddress;
            if (rva == 0)
            {
                return true;
            }

            BlobReader il = this.pe.GetMethodBody(rva).GetILReader();
            while (il.RemainingBytes > 0)
            {
                byte code = il.ReadByte();
                OperandType? operand;
                bool twoByte = code == 0xfe;
                if (twoByte)
                {
                    code = il.ReadByte();
                    operand = TwoByte[code];
                }
                else
                {
                    operand = OneByte[code];
                }

                switch (operand)
                {
                    case null:
                        return true;
                    case OperandType.InlineNone:
                        break;
                    case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                        il.Offset += 1;
                        break;
                    case OperandType.InlineVar:
                        il.Offset += 2;
                        break;
                    case OperandType.InlineI8 or OperandType.InlineR:
                        il.Offset += 8;
                        break;
                    case OperandType.InlineSwitch:
                        int count = il.ReadInt32();
                        il.Offset += checked(count * 4);
                        break;
                    case OperandType.InlineSig:
                        // calli (its only user) is reported (PS1003).
                        return true;
                    case OperandType.InlineMethod:
                        // call, callvirt, newobj, jmp (0x27, not looked at by Cecil's side but harmless), ldftn, ldvirtftn.
                        if (this.IsInterestingMember(il.ReadInt32()))
                        {
                            return true;
                        }

                        break;
                    case OperandType.InlineTok:
                        if (this.IsInterestingToken(il.ReadInt32()))
                        {
                            return true;
                        }

                        break;
                    case OperandType.InlineString:
                        if (this.IsInterestingString(il.ReadInt32()))
                        {
                            return true;
                        }

                        break;
                    default:
                        // InlineI, InlineBrTarget, InlineField, InlineType, ShortInlineR: 4 bytes, nothing looked at.
                        il.Offset += 4;
                        break;
                }
            }

            return false;
        }
        catch (Exception ex) when (ex is BadImageFormatException or InvalidOperationException or ArgumentException or OverflowException)
        {
            return true;
        }
    }

    public void Dispose() => this.pe.Dispose();

    /// <summary>A call target: a member of a type defined in this module never matches; a member of a referenced type may.</summary>
    private bool IsInterestingMember(int token) => this.Cached(token, () =>
    {
        EntityHandle handle = MetadataTokens.EntityHandle(token);
        switch (handle.Kind)
        {
            case HandleKind.MethodDefinition:
            case HandleKind.FieldDefinition:
                return false;
            case HandleKind.MethodSpecification:
                return this.IsInterestingMember(MetadataTokens.GetToken(this.reader.GetMethodSpecification((MethodSpecificationHandle)handle).Method));
            case HandleKind.MemberReference:
                EntityHandle parent = this.reader.GetMemberReference((MemberReferenceHandle)handle).Parent;
                return parent.Kind switch
                {
                    HandleKind.TypeDefinition => false,
                    HandleKind.TypeReference => this.MayDeclare((TypeReferenceHandle)parent),
                    HandleKind.TypeSpecification => this.GenericElement((TypeSpecificationHandle)parent) is not { } element
                        || (element.Kind == HandleKind.TypeReference && this.MayDeclare((TypeReferenceHandle)element)),
                    _ => true,
                };
            default:
                return true;
        }
    });

    /// <summary>A ldtoken operand: a cataloged member (as a call target) or a referenced cataloged type.</summary>
    private bool IsInterestingToken(int token)
    {
        EntityHandle handle = MetadataTokens.EntityHandle(token);
        return handle.Kind switch
        {
            HandleKind.TypeDefinition or HandleKind.FieldDefinition or HandleKind.MethodDefinition => false,
            HandleKind.TypeReference => this.Cached(token, () => this.catalog.IsCatalogedType(this.DocumentationName((TypeReferenceHandle)handle))),
            HandleKind.MemberReference or HandleKind.MethodSpecification => this.IsInterestingMember(token),
            _ => true,
        };
    }

    /// <summary>A string literal that names a cataloged type (as UnredirectableScanner.NamesCatalogedType).</summary>
    private bool IsInterestingString(int token) => this.Cached(token, () =>
    {
        string text = this.reader.GetUserString(MetadataTokens.UserStringHandle(token & 0xffffff));
        int comma = text.IndexOf(',', StringComparison.Ordinal);
        ReadOnlySpan<char> name = (comma < 0 ? text.AsSpan() : text.AsSpan(0, comma)).Trim();
        return name.Length > 0 && this.catalog.IsCatalogedType(name);
    });

    private bool Cached(int token, Func<bool> decide)
    {
        if (!this.interesting.TryGetValue(token, out bool value))
        {
            value = decide();
            this.interesting[token] = value;
        }

        return value;
    }

    /// <summary>Whether a member of this referenced type may be cataloged or looked for by the scanner (by its outermost type).</summary>
    private bool MayDeclare(TypeReferenceHandle handle)
    {
        TypeReference type = this.reader.GetTypeReference(handle);
        for (int depth = 0; type.ResolutionScope.Kind == HandleKind.TypeReference; depth++)
        {
            if (depth > 64)
            {
                return true;
            }

            type = this.reader.GetTypeReference((TypeReferenceHandle)type.ResolutionScope);
        }

        string ns = this.reader.GetString(type.Namespace);
        string name = this.reader.GetString(type.Name);
        return this.catalog.MayDeclareCatalogedMember(ns, name) || FileOpeningApis.ScannedTypes.MayMatch(ns, name);
    }

    /// <summary>Namespace.Outer.Inner, as DocumentationId.TypeName.</summary>
    private string DocumentationName(TypeReferenceHandle handle, int depth = 0)
    {
        TypeReference type = this.reader.GetTypeReference(handle);
        string name = this.reader.GetString(type.Name);
        if (type.ResolutionScope.Kind == HandleKind.TypeReference)
        {
            // A cycle of nested references is not valid metadata: fail, which answers "may" (the full path decides).
            return depth > 64
                ? throw new BadImageFormatException("nested type references form a cycle")
                : this.DocumentationName((TypeReferenceHandle)type.ResolutionScope, depth + 1) + "." + name;
        }

        string ns = this.reader.GetString(type.Namespace);
        return ns.Length > 0 ? ns + "." + name : name;
    }

    /// <summary>The generic type of a GENERICINST type specification; null for any other specification.</summary>
    private EntityHandle? GenericElement(TypeSpecificationHandle handle)
    {
        BlobReader blob = this.reader.GetBlobReader(this.reader.GetTypeSpecification(handle).Signature);
        if (blob.ReadSignatureTypeCode() != SignatureTypeCode.GenericTypeInstance)
        {
            return null;
        }

        _ = blob.ReadCompressedInteger(); // CLASS or VALUETYPE
        return blob.ReadTypeHandle();
    }
}

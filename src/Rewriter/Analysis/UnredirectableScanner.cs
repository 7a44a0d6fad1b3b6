using Mono.Cecil;
using Mono.Cecil.Cil;
using PrivSep.Rewriter.Catalog;
using PrivSep.Rewriter.Model;
using PrivSep.Rewriter.Rewriting;

namespace PrivSep.Rewriter.Analysis;

/// <summary>
/// Finds what cannot be redirected to the Shim and reports it (DESIGN.md: reported, never ignored): reflection over
/// cataloged members (PS1001), P/Invoke (PS1002), <c>calli</c> (PS1003), calls that touch the disk by path and are not
/// replaced (PS1004: file-system members the catalog lacks, framework loaders), and types deriving from a type with
/// cataloged constructors (PS1005, an error).
/// </summary>
internal sealed class UnredirectableScanner(ShimCatalog catalog, string assemblyName)
{
    private readonly FileSystemSurface surface = catalog.Surface;

    /// <summary>How far after a <c>ldtoken</c> of a cataloged type a reflection call still counts as reflection over it.</summary>
    private const int ReflectionWindow = 16;

    public List<RewriteDiagnostic> Diagnostics { get; } = [];

    public void VisitType(TypeDefinition type)
    {
        string? privilegedBase = PrivilegedAncestor(type);
        if (privilegedBase is not null)
        {
            MethodDefinition? located = type.Methods.FirstOrDefault(m => m.DebugInformation.HasSequencePoints);
            var (file, line, column) = located is null ? (null, null, null) : SourceLocator.Locate(located, located.Body.Instructions[0]);
            this.Diagnostics.Add(new RewriteDiagnostic(
                DiagnosticIds.DerivesFromPrivilegedType,
                DiagnosticSeverity.Error,
                $"type {type.FullName.Replace('/', '.')} derives from {privilegedBase}, whose constructors open files; a derived type cannot be redirected to the Shim. Wrap a {privilegedBase} (composition) instead of deriving from it",
                assemblyName,
                null,
                file,
                line,
                column));
        }
    }

    /// <param name="scanBody">False when the raw IL shows the body holds nothing this scanner looks at (BodyPrefilter): it is then not decoded.</param>
    public void VisitMethod(MethodDefinition method, bool scanBody = true)
    {
        if (method.IsPInvokeImpl && method.PInvokeInfo is { } pinvoke)
        {
            this.Diagnostics.Add(new RewriteDiagnostic(
                DiagnosticIds.PlatformInvoke,
                DiagnosticSeverity.Warning,
                $"P/Invoke into {pinvoke.Module.Name}!{pinvoke.EntryPoint ?? method.Name} is not redirected; the kernel decides what the unprivileged process may do",
                assemblyName,
                UserMethodName.Of(method)));
        }

        if (!scanBody || !method.HasBody)
        {
            return;
        }

        Mono.Collections.Generic.Collection<Instruction> instructions = method.Body.Instructions;
        for (int i = 0; i < instructions.Count; i++)
        {
            Instruction instruction = instructions[i];
            switch (instruction.OpCode.Code)
            {
                case Code.Calli:
                    this.Report(method, instruction, DiagnosticIds.IndirectCall, "indirect call (calli) through a function pointer is not redirected; the kernel decides");
                    break;
                case Code.Ldtoken when instruction.Operand is MethodReference member && catalog.Match(member) is { } entry:
                    this.Report(method, instruction, DiagnosticIds.Reflection, $"ldtoken of {entry.OriginalId} (reflection or an expression tree) is not redirected; the kernel decides");
                    break;
                case Code.Ldtoken when instruction.Operand is TypeReference type && type.GetElementType() is not TypeDefinition && catalog.IsCatalogedType(DocumentationId.TypeName(type)):
                    string? reflective = ReflectionCallAfter(instructions, i);
                    if (reflective is not null)
                    {
                        this.Report(method, instruction, DiagnosticIds.Reflection, $"reflection over {DocumentationId.TypeName(type)} ({reflective}) is not redirected; the kernel decides");
                    }

                    break;
                case Code.Ldstr when instruction.Operand is string text && NamesCatalogedType(text) is { } named:
                    this.Report(method, instruction, DiagnosticIds.Reflection, $"the string \"{text}\" names the privileged type {named} (Type.GetType/reflection is not redirected; the kernel decides)");
                    break;
                case Code.Call or Code.Callvirt or Code.Newobj or Code.Ldftn or Code.Ldvirtftn when instruction.Operand is MethodReference called:
                    this.VisitCall(method, instruction, called);
                    break;
            }
        }
    }

    private void VisitCall(MethodDefinition method, Instruction instruction, MethodReference called)
    {
        if (called.DeclaringType.GetElementType() is TypeDefinition || catalog.Match(called) is not null)
        {
            return;
        }

        MethodReference element = called is GenericInstanceMethod gim ? gim.ElementMethod : called;
        if (!FileOpeningApis.ScannedTypes.MayMatch(element.DeclaringType))
        {
            return;
        }

        string id = DocumentationId.ForMethod(called);
        if (id.StartsWith(FileOpeningApis.NativeCodePrefixes[0], StringComparison.Ordinal)
            || id.StartsWith(FileOpeningApis.NativeCodePrefixes[1], StringComparison.Ordinal))
        {
            this.Report(method, instruction, DiagnosticIds.PlatformInvoke, $"{id} loads or calls native code that is not redirected; the kernel decides");
        }
        else if (called.Name == ".ctor" && instruction.OpCode.Code != Code.Newobj)
        {
            // A base-constructor call of a derived type: PS1005 reports the type.
        }
        else if (this.surface.Find(id) is { } member)
        {
            if (member.ByPath)
            {
                string why = member.Reason is null ? "not replaced by the Shim (yet)" : $"not replaced by the Shim: {member.Reason}";
                this.Report(method, instruction, DiagnosticIds.FileOpeningApi, $"{id} touches the disk by path and is {why}; the call runs with the agent's own rights, so a file only the broker may open fails or looks absent");
            }
        }
        else if (FileOpeningApis.OpensPath(id))
        {
            this.Report(method, instruction, DiagnosticIds.FileOpeningApi, $"{id} opens a path itself, out of the Shim's reach: it runs with the agent's own rights (open the file with File/FileStream and pass the stream instead)");
        }
    }

    private static string? ReflectionCallAfter(Mono.Collections.Generic.Collection<Instruction> instructions, int index)
    {
        for (int j = index + 1; j < instructions.Count && j <= index + ReflectionWindow; j++)
        {
            if (instructions[j].Operand is MethodReference m && instructions[j].OpCode.Code is Code.Call or Code.Callvirt)
            {
                string type = m.DeclaringType.FullName;
                if (m.Name == "GetTypeFromHandle")
                {
                    continue;
                }

                if (type is "System.Type" or "System.Activator" or "System.Reflection.TypeInfo" or "System.Linq.Expressions.Expression"
                    || m.DeclaringType.Namespace == "System.Reflection")
                {
                    return $"{type}.{m.Name}";
                }
            }
        }

        return null;
    }

    private string? NamesCatalogedType(string text)
    {
        // As text.Split(',')[0].Trim(), without allocating for the (almost always) non-matching literal.
        int comma = text.IndexOf(',', StringComparison.Ordinal);
        ReadOnlySpan<char> name = (comma < 0 ? text.AsSpan() : text.AsSpan(0, comma)).Trim();
        return name.Length > 0 && catalog.IsCatalogedType(name) ? name.ToString() : null;
    }

    private string? PrivilegedAncestor(TypeDefinition type)
    {
        TypeReference? current = type.BaseType;
        for (int depth = 0; current is not null && depth < 64; depth++)
        {
            if (current.GetElementType() is not TypeDefinition)
            {
                string name = DocumentationId.TypeName(current);
                if (catalog.HasCatalogedConstructor(name))
                {
                    return name;
                }
            }

            TypeDefinition? resolved;
            try
            {
                resolved = current.Resolve();
            }
            catch (AssemblyResolutionException)
            {
                return null;
            }

            current = resolved?.BaseType;
        }

        return null;
    }

    private void Report(MethodDefinition method, Instruction instruction, string id, string message)
    {
        var (file, line, column) = SourceLocator.Locate(method, instruction);
        this.Diagnostics.Add(new RewriteDiagnostic(id, DiagnosticSeverity.Warning, message, assemblyName, UserMethodName.Of(method), file, line, column));
    }
}

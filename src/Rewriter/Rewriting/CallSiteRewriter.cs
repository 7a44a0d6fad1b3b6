using Mono.Cecil;
using Mono.Cecil.Cil;
using PrivSep.Rewriter.Catalog;
using PrivSep.Rewriter.Model;

namespace PrivSep.Rewriter.Rewriting;

/// <summary>
/// Redirects the call sites of one module to the Shim. Operands are swapped in place (no instruction inserted, except
/// one <c>ldftn</c> after a <c>ldvirtftn</c> whose object is not simply duplicated), so branch targets, exception handlers
/// and debug scopes, which all point at instruction objects, stay valid.
/// </summary>
internal sealed class CallSiteRewriter(ModuleDefinition module, ShimCatalog catalog, AssemblyResolution resolution, string assemblyName)
{
    private readonly Dictionary<CatalogEntry, MethodReference> imported = [];

    public List<CallSiteRewrite> Rewrites { get; } = [];

    public List<RewriteDiagnostic> Diagnostics { get; } = [];

    /// <summary>Finds (and with <paramref name="apply"/>, rewrites) every cataloged call site of the method.</summary>
    public void Visit(MethodDefinition method, bool apply)
    {
        if (!method.HasBody)
        {
            return;
        }

        Mono.Collections.Generic.Collection<Instruction> instructions = method.Body.Instructions;
        for (int i = 0; i < instructions.Count; i++)
        {
            Instruction instruction = instructions[i];
            if (instruction.Operand is not MethodReference called)
            {
                continue;
            }

            Code code = instruction.OpCode.Code;
            if (code is not (Code.Call or Code.Callvirt or Code.Newobj or Code.Ldftn or Code.Ldvirtftn))
            {
                continue;
            }

            CatalogEntry? entry = catalog.Match(called);
            if (entry is null)
            {
                continue;
            }

            if (entry.Shape == ReplacementShape.Constructor && code != Code.Newobj)
            {
                // call .ctor: a derived type's base-constructor chain; reported as PS1005 on the type.
                continue;
            }

            if (entry.Shape == ReplacementShape.Instance && code == Code.Call && entry.IsVirtual)
            {
                this.Report(method, instruction, DiagnosticIds.BaseCall, DiagnosticSeverity.Warning, $"non-virtual call (base.) to {entry.OriginalId} cannot be redirected to the Shim; the kernel decides at run time");
                continue;
            }

            var (file, line, column) = SourceLocator.Locate(method, instruction);
            this.Rewrites.Add(new CallSiteRewrite(UserMethodName.Of(method), instruction.Offset, file, line, column, entry.OriginalId, resolution.AssemblyOf(called), entry.ReplacementId));
            if (!apply)
            {
                continue;
            }

            MethodReference replacement = this.ReplacementFor(entry, called);
            switch (code)
            {
                case Code.Ldftn:
                    // A static original keeps its null target; an instance original's object becomes the closed-over first argument.
                    instruction.Operand = replacement;
                    break;
                case Code.Ldvirtftn:
                    Instruction? previous = instruction.Previous;
                    if (previous is not null && previous.OpCode.Code == Code.Dup && !IsBranchTarget(method.Body, instruction))
                    {
                        // dup; ldvirtftn M → nop; ldftn Shim: the object stays on the stack as the delegate's target,
                        // closed over the static replacement's first parameter (as for an extension-method group).
                        previous.OpCode = OpCodes.Nop;
                        previous.Operand = null;
                        instruction.OpCode = OpCodes.Ldftn;
                        instruction.Operand = replacement;
                    }
                    else
                    {
                        // obj; ldvirtftn M → obj; pop; ldftn Shim (the delegate's own target argument was pushed before).
                        instruction.OpCode = OpCodes.Pop;
                        instruction.Operand = null;
                        Instruction load = Instruction.Create(OpCodes.Ldftn, replacement);
                        method.Body.GetILProcessor().InsertAfter(instruction, load);
                        i++;
                    }

                    break;
                default:
                    Instruction? prefix = instruction.Previous;
                    if (prefix is not null && prefix.OpCode.Code == Code.Constrained && prefix.Operand is TypeReference constrainedType)
                    {
                        // constrained. T callvirt M: the stack holds a managed pointer to T; load the reference it points to.
                        prefix.OpCode = OpCodes.Ldobj;
                        prefix.Operand = constrainedType;
                    }

                    instruction.OpCode = OpCodes.Call;
                    instruction.Operand = replacement;
                    break;
            }
        }
    }

    private static bool IsBranchTarget(MethodBody body, Instruction target) =>
        body.Instructions.Any(i => i.Operand == target || (i.Operand is Instruction[] targets && targets.Contains(target)))
        || body.ExceptionHandlers.Any(h => h.HandlerStart == target || h.TryStart == target || h.FilterStart == target);

    private MethodReference ReplacementFor(CatalogEntry entry, MethodReference called)
    {
        if (!this.imported.TryGetValue(entry, out MethodReference? reference))
        {
            reference = module.ImportReference(entry.Replacement);
            this.imported[entry] = reference;
        }

        if (called is GenericInstanceMethod generic)
        {
            var instance = new GenericInstanceMethod(reference);
            foreach (TypeReference argument in generic.GenericArguments)
            {
                instance.GenericArguments.Add(module.ImportReference(argument));
            }

            return module.ImportReference(instance);
        }

        return reference;
    }

    private void Report(MethodDefinition method, Instruction instruction, string id, DiagnosticSeverity severity, string message)
    {
        var (file, line, column) = SourceLocator.Locate(method, instruction);
        this.Diagnostics.Add(new RewriteDiagnostic(id, severity, message, assemblyName, UserMethodName.Of(method), file, line, column));
    }
}

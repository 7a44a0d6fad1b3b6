using Mono.Cecil;
using Mono.Cecil.Cil;

namespace PrivSep.Rewriter.Rewriting;

/// <summary>The source position of an instruction: the nearest visible sequence point at or before it (none without a PDB).</summary>
internal static class SourceLocator
{
    public static (string? File, int? Line, int? Column) Locate(MethodDefinition method, Instruction instruction)
    {
        if (!method.DebugInformation.HasSequencePoints)
        {
            return (null, null, null);
        }

        IDictionary<Instruction, SequencePoint> points = method.DebugInformation.GetSequencePointMapping();
        for (Instruction? current = instruction; current is not null; current = current.Previous)
        {
            if (points.TryGetValue(current, out SequencePoint? point) && !point.IsHidden)
            {
                return (point.Document.Url, point.StartLine, point.StartColumn);
            }
        }

        SequencePoint? first = method.DebugInformation.SequencePoints.FirstOrDefault(p => !p.IsHidden);
        return first is null ? (null, null, null) : (first.Document.Url, first.StartLine, first.StartColumn);
    }
}

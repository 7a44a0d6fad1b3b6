namespace PrivSep.Rewriter.Catalog;

/// <summary>A by-path member and what the catalog does about it.</summary>
/// <param name="Replacement">The Shim member that replaces it (documentation ID), or null.</param>
/// <param name="Reason">Why it is not replaced: the reason it is left out on purpose, or <see cref="CatalogCoverage.NotYetReplaced"/>; null when replaced.</param>
public sealed record CoverageMember(string Id, string DeclaringType, string? Replacement, string? Reason);

/// <summary>How many of a type's by-path members the catalog replaces.</summary>
public sealed record TypeCoverage(string Type, int Replaced, int ByPath);

/// <summary>
/// How much of the BCL's file-system surface a Shim catalog covers: every public member of the surface types that
/// touches the disk by path (<see cref="FileSystemSurface"/>, from the .NET reference assemblies), replaced or not and
/// why. The engine of <c>privsep catalog --coverage</c>; the CLI only formats it.
/// </summary>
public sealed record CatalogCoverage(
    IReadOnlyList<TypeCoverage> Types,
    IReadOnlyList<CoverageMember> ByPath,
    IReadOnlyList<SurfaceMember> NotByPath,
    IReadOnlyList<string> Unclassified)
{
    public const string NotYetReplaced = "not replaced yet";

    public int ReplacedCount => this.ByPath.Count(m => m.Replacement is not null);

    public IEnumerable<CoverageMember> Replaced => this.ByPath.Where(m => m.Replacement is not null);

    public IEnumerable<CoverageMember> NotReplaced => this.ByPath.Where(m => m.Replacement is null);

    public static CatalogCoverage Measure(ShimCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        FileSystemSurface surface = catalog.Surface;
        Dictionary<string, string> replacements = catalog.Entries.ToDictionary(e => e.OriginalId, e => e.ReplacementId, StringComparer.Ordinal);
        var byPath = surface.Members
            .Where(m => m.ByPath)
            .Select(m => replacements.TryGetValue(m.Id, out string? replacement)
                ? new CoverageMember(m.Id, m.DeclaringType, replacement, null)
                : new CoverageMember(m.Id, m.DeclaringType, null, m.Reason ?? NotYetReplaced))
            .ToList();
        var types = FileSystemSurface.Types
            .Select(t => new TypeCoverage(t, byPath.Count(m => m.DeclaringType == t && m.Replacement is not null), byPath.Count(m => m.DeclaringType == t)))
            .ToList();
        return new CatalogCoverage(types, byPath, surface.Members.Where(m => !m.ByPath).ToList(), surface.Unclassified);
    }
}

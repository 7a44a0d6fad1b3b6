using System.Diagnostics;
using System.Net.NetworkInformation;
using System.Reflection;

namespace PrivSep.Shim.Tests.Catalog;

/// <summary>
/// The Shim assembly is the rewriter's catalog: every [Replaces] must name exactly one BCL member, with a replacement
/// whose shape the rewriter can swap in, no member may be claimed twice, and no required overload may be missing.
/// </summary>
[TestClass]
public sealed class CatalogTests
{
    /// <summary>The members the issue requires, by type and name: every public overload of each must be replaced.</summary>
    private static readonly (Type Type, string[] Names)[] RequiredMethods =
    [
        (typeof(File), [
            "ReadAllText", "ReadAllTextAsync", "ReadAllBytes", "ReadAllBytesAsync", "ReadAllLines", "ReadAllLinesAsync", "ReadLines", "ReadLinesAsync",
            "OpenRead", "OpenText", "Open", "OpenWrite", "Create", "AppendText",
            "WriteAllText", "WriteAllTextAsync", "WriteAllBytes", "WriteAllBytesAsync", "WriteAllLines", "WriteAllLinesAsync",
            "AppendAllText", "AppendAllTextAsync", "AppendAllLines", "AppendAllLinesAsync",
            "Exists", "Delete", "Copy", "Move", "GetAttributes", "GetLastWriteTimeUtc"]),
        (typeof(Directory), [
            "Exists", "CreateDirectory", "Delete", "GetFiles", "EnumerateFiles", "GetDirectories", "EnumerateDirectories", "EnumerateFileSystemEntries"]),
        (typeof(Ping), ["Send", "SendPingAsync"]),
        (typeof(Process), ["Start"]),
    ];

    /// <summary>Types whose path-taking constructors (first parameter a string) must all be replaced.</summary>
    private static readonly Type[] RequiredPathConstructors = [typeof(FileStream), typeof(StreamReader), typeof(StreamWriter)];

    /// <summary>
    /// Overloads of required names that are deliberately not replaced: the file ones take an already-open handle, so
    /// nothing privileged happens in them (the privileged step was the open, which is replaced); the Process ones with
    /// a password are Windows-only ([SupportedOSPlatform("windows")]) and throw PlatformNotSupportedException on Linux.
    /// </summary>
    private static readonly string[] NotReplaced =
    [
        "M:System.IO.File.GetAttributes(Microsoft.Win32.SafeHandles.SafeFileHandle)",
        "M:System.IO.File.GetLastWriteTimeUtc(Microsoft.Win32.SafeHandles.SafeFileHandle)",
        "M:System.Diagnostics.Process.Start(System.String,System.String,System.Security.SecureString,System.String)",
        "M:System.Diagnostics.Process.Start(System.String,System.String,System.String,System.Security.SecureString,System.String)",
    ];

    public TestContext TestContext { get; set; } = null!;

    private static IReadOnlyList<(MethodInfo Replacement, string Id)> Catalog { get; } =
        typeof(ReplacesAttribute).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Select(m => (Replacement: m, Attribute: m.GetCustomAttribute<ReplacesAttribute>()))
            .Where(x => x.Attribute is not null)
            .Select(x => (x.Replacement, x.Attribute!.DocumentationId))
            .ToList();

    [TestMethod]
    public void EveryReplacementIsAPublicStaticMemberOfAPublicType()
    {
        var misplaced = Catalog
            .Where(e => !(e.Replacement.IsPublic && e.Replacement.IsStatic && e.Replacement.DeclaringType!.IsVisible))
            .Select(e => Describe(e.Replacement))
            .ToList();

        Assert.IsEmpty(misplaced, "Replacements the rewriter could not call: " + string.Join("; ", misplaced));
        this.TestContext.WriteLine($"{Catalog.Count} [Replaces] members.");
    }

    [TestMethod]
    public void EveryDocumentationIdNamesExactlyOneBclMember()
    {
        var problems = new List<string>();
        foreach (var (replacement, id) in Catalog)
        {
            var targets = BclMembers.Resolve(id);
            if (targets.Count != 1)
            {
                problems.Add($"{id} ({Describe(replacement)}) resolves to {targets.Count} members");
            }
        }

        Assert.IsEmpty(problems, string.Join(Environment.NewLine, problems));
    }

    [TestMethod]
    public void EveryReplacementHasTheShapeOfWhatItReplaces()
    {
        var problems = new List<string>();
        foreach (var (replacement, id) in Catalog)
        {
            var targets = BclMembers.Resolve(id);
            if (targets.Count == 1 && ShapeProblem(targets[0], replacement) is { } problem)
            {
                problems.Add($"{id} ({Describe(replacement)}): {problem}");
            }
        }

        Assert.IsEmpty(problems, string.Join(Environment.NewLine, problems));
    }

    [TestMethod]
    public void NoTwoReplacementsClaimTheSameMember()
    {
        var duplicates = Catalog.GroupBy(e => e.Id).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.IsEmpty(duplicates, "Claimed more than once: " + string.Join(", ", duplicates));
    }

    [TestMethod]
    public void EveryOverloadOfTheRequiredMembersIsReplaced()
    {
        var claimed = Catalog.Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
        var required = RequiredMethods
            .SelectMany(r => r.Names.SelectMany(name => BclMembers.PublicMembers(r.Type).Where(m => m.Name == name)))
            .Concat(RequiredPathConstructors.SelectMany(t => t.GetConstructors().Where(c => c.GetParameters() is [{ ParameterType: var first }, ..] && first == typeof(string))))
            .Select(DocumentationId.Of)
            .Except(NotReplaced)
            .ToList();

        var missing = required.Where(id => !claimed.Contains(id)).ToList();
        Assert.IsEmpty(missing, "Not replaced: " + Environment.NewLine + string.Join(Environment.NewLine, missing));
        Assert.IsGreaterThan(100, required.Count, "the required list itself looks truncated");
    }

    [TestMethod]
    public void EveryPublicMemberOfTheReplacementTypesIsCataloged()
    {
        // A public member without [Replaces] would be invisible to the rewriter: either mark it or make it internal.
        var replacementTypes = Catalog.Select(e => e.Replacement.DeclaringType!).Distinct();
        var unmarked = replacementTypes
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(m => m.GetCustomAttribute<ReplacesAttribute>() is null)
            .Select(Describe)
            .ToList();

        Assert.IsEmpty(unmarked, "Public but not cataloged: " + string.Join("; ", unmarked));
    }

    [TestMethod]
    public void TheAttributeIsUsableOnlyOncePerMethod()
    {
        var usage = typeof(ReplacesAttribute).GetCustomAttribute<AttributeUsageAttribute>()!;
        Assert.AreEqual(AttributeTargets.Method, usage.ValidOn);
        Assert.IsFalse(usage.AllowMultiple);
        Assert.IsFalse(usage.Inherited);
    }

    private static string? ShapeProblem(MethodBase target, MethodInfo replacement)
    {
        Type[] expectedParameters;
        Type expectedReturn;
        switch (target)
        {
            case ConstructorInfo constructor:
                expectedParameters = Parameters(constructor);
                expectedReturn = constructor.DeclaringType!;
                break;
            case MethodInfo { IsStatic: true } method:
                expectedParameters = Parameters(method);
                expectedReturn = method.ReturnType;
                break;
            case MethodInfo method:
                expectedParameters = [method.DeclaringType!, .. Parameters(method)];
                expectedReturn = method.ReturnType;
                break;
            default:
                return "not a method or constructor";
        }

        var actualParameters = Parameters(replacement);
        if (!actualParameters.SequenceEqual(expectedParameters))
        {
            return $"parameters ({string.Join(", ", actualParameters.Select(t => t.Name))}) should be ({string.Join(", ", expectedParameters.Select(t => t.Name))})";
        }

        return replacement.ReturnType == expectedReturn ? null : $"returns {replacement.ReturnType.Name}, should return {expectedReturn.Name}";
    }

    private static Type[] Parameters(MethodBase method) => method.GetParameters().Select(p => p.ParameterType).ToArray();

    private static string Describe(MethodInfo method) =>
        $"{method.DeclaringType!.Name}.{method.Name}({string.Join(", ", method.GetParameters().Select(p => p.ParameterType.Name))})";
}

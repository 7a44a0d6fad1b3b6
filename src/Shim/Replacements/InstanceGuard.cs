namespace PrivSep.Shim.Replacements;

/// <summary>
/// A rewritten <c>callvirt</c> becomes a static call, which would no longer fail on a null instance; the replacements
/// of instance members throw the same <see cref="NullReferenceException"/> the original call site would have.
/// </summary>
internal static class InstanceGuard
{
    public static void ThrowIfNull(object? instance)
    {
        if (instance is null)
        {
            throw new NullReferenceException("Object reference not set to an instance of an object.");
        }
    }
}

using System.Buffers;

namespace PrivSep.Broker.Policy;

/// <summary>
/// One argument pattern of an exec rule, compiled at load. It matches an argument when all of these hold:
/// <list type="number">
/// <item>the argument has no NUL (the kernel would cut it there, so what ran would differ from what was checked);</item>
/// <item>the pattern matches the whole argument as text: <c>*</c> any run of characters ('/' and spaces
/// included), <c>?</c> exactly one, everything else itself;</item>
/// <item>the argument has no <c>..</c> segment, and the pattern still matches once both are in their
/// <see cref="ArgumentPathForm">path form</see>, so that a pattern's literal directory confines the argument
/// to that directory as a path.</item>
/// </list>
/// </summary>
internal sealed class ArgumentGlob
{
    /// <summary>Longest argument whose path form is built on the stack; a longer one uses a pooled buffer.</summary>
    private const int StackPathFormLength = 256;

    private readonly string _pathForm;
    private readonly bool _isPathForm;

    /// <summary>Compiles a pattern <see cref="Validate"/> accepted.</summary>
    public ArgumentGlob(string pattern)
    {
        Text = pattern;
        _pathForm = ArgumentPathForm.ToPathForm(pattern);
        _isPathForm = ReferenceEquals(_pathForm, pattern);
    }

    /// <summary>The pattern as written in the policy.</summary>
    public string Text { get; }

    /// <summary>Why an argument pattern from the policy is refused, or null when it is valid.</summary>
    public static string? Validate(string pattern)
    {
        if (pattern.Contains('\0'))
        {
            return "it contains a NUL character, which no argument can contain (remove it)";
        }

        if (pattern.Contains("**", StringComparison.Ordinal))
        {
            return "'**' is not allowed: '*' already matches any characters of an argument, '/' included (use a single '*')";
        }

        if (ArgumentPathForm.HasParentSegment(pattern))
        {
            return "it has a '..' segment, and no argument with one is ever matched, so that an argument cannot climb out of the directory its pattern names (write the path without '..')";
        }

        return null;
    }

    public bool IsMatch(string argument)
    {
        if (argument.Contains('\0')
            || !WildcardText.IsMatch(Text, argument, separator: '\0')
            || ArgumentPathForm.HasParentSegment(argument))
        {
            return false;
        }

        return (_isPathForm && ArgumentPathForm.IsPathForm(argument)) || IsPathFormMatch(argument);
    }

    private bool IsPathFormMatch(string argument)
    {
        var length = Math.Max(argument.Length, 1);
        char[]? rented = null;
        var buffer = length <= StackPathFormLength
            ? stackalloc char[StackPathFormLength]
            : (rented = ArrayPool<char>.Shared.Rent(length));
        try
        {
            var written = ArgumentPathForm.WritePathForm(argument, buffer);
            return WildcardText.IsMatch(_pathForm, buffer[..written], separator: '\0');
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    public override string ToString() => Text;
}

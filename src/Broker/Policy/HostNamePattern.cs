using System.Net;

namespace PrivSep.Broker.Policy;

/// <summary>
/// A DNS name pattern from <c>ping.targets</c>, e.g. "db*.example.com": labels of letters, digits
/// and '-', with <c>*</c> (any run of characters within one label) and <c>?</c> (one character),
/// compared case-insensitively with the host name exactly as the client gave it. It never matches an
/// IP address written as a string: addresses are for CIDR entries, which see the real address.
/// </summary>
internal sealed class HostNamePattern
{
    private const int MaxNameLength = 253;
    private const int MaxLabelLength = 63;

    private readonly string _pattern;

    private HostNamePattern(string pattern)
    {
        _pattern = pattern;
    }

    public static bool TryParse(string entry, out HostNamePattern? pattern, out string? error)
    {
        pattern = null;
        var name = StripTrailingDot(entry);
        if (name.Length == 0)
        {
            error = "it is empty (write a host name such as \"db*.example.com\" or a network such as \"10.0.0.0/8\")";
            return false;
        }

        if (name.Length > MaxNameLength)
        {
            error = $"it is longer than {MaxNameLength} characters";
            return false;
        }

        var labels = name.Split('.');
        foreach (var label in labels)
        {
            if (label.Length == 0)
            {
                error = "it has an empty label (\"..\" or a leading '.')";
                return false;
            }

            if (label.Length > MaxLabelLength)
            {
                error = $"label '{label}' is longer than {MaxLabelLength} characters";
                return false;
            }

            var bad = label.AsSpan().IndexOfAnyExcept(HostNameCharacters.PatternCharacters);
            if (bad >= 0)
            {
                error = $"'{label[bad]}' is not allowed in a host name pattern (letters, digits, '-', '*' and '?' only)";
                return false;
            }
        }

        // Such a pattern could only be meant for addresses, which name patterns never match.
        if ((name.Any(char.IsAsciiDigit) && labels.All(l => l.All(c => char.IsAsciiDigit(c) || c is '*' or '?')))
            || labels[^1].All(char.IsAsciiDigit))
        {
            error = "it looks like an IP address, which a name pattern never matches (write a network such as \"10.0.0.0/24\")";
            return false;
        }

        pattern = new HostNamePattern(name);
        error = null;
        return true;
    }

    public bool IsMatch(string? hostName)
    {
        if (hostName is null)
        {
            return false;
        }

        var name = hostName.AsSpan();
        if (name.Length > 0 && name[^1] == '.')
        {
            name = name[..^1];
        }

        // Fail closed on anything that is not a plain host name, and never treat an address
        // literal (in any form the resolver would accept, e.g. "10.1" or "0x0a000001") as a name.
        if (name.Length == 0
            || name.Length > MaxNameLength
            || name.IndexOfAnyExcept(HostNameCharacters.NameCharacters) >= 0
            || name.Contains("..", StringComparison.Ordinal)
            || name[0] == '.'
            || IPAddress.IsValid(name))
        {
            return false;
        }

        return WildcardText.IsMatch(_pattern, name, separator: '.', asciiIgnoreCase: true);
    }

    public override string ToString() => _pattern;

    private static string StripTrailingDot(string name) =>
        name.Length > 0 && name[^1] == '.' ? name[..^1] : name;
}

namespace PrivSep.Broker.Policy;

/// <summary>
/// <c>*</c> and <c>?</c> matching within one path segment or one host name, shared by path globs
/// and ping name patterns. <c>*</c> matches any run of characters other than
/// <paramref name="separator"/>, <c>?</c> exactly one such character, everything else itself.
/// </summary>
internal static class WildcardText
{
    public static bool IsMatch(ReadOnlySpan<char> pattern, ReadOnlySpan<char> text, char separator, bool asciiIgnoreCase = false)
    {
        // Linear-time matching with one backtracking point: on a mismatch, the latest '*' takes one
        // more character. A '*' can never take the separator, so a failed run cannot resume past it.
        var p = 0;
        var t = 0;
        var starP = -1;
        var starT = -1;

        while (t < text.Length)
        {
            if (p < pattern.Length)
            {
                var pc = pattern[p];
                if (pc == '*')
                {
                    starP = ++p;
                    starT = t;
                    continue;
                }

                var tc = text[t];
                if (pc == '?' ? tc != separator : CharEquals(pc, tc, asciiIgnoreCase))
                {
                    p++;
                    t++;
                    continue;
                }
            }

            if (starP < 0 || text[starT] == separator)
            {
                return false;
            }

            p = starP;
            t = ++starT;
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    private static bool CharEquals(char a, char b, bool asciiIgnoreCase) =>
        a == b || (asciiIgnoreCase && char.IsAsciiLetter(a) && (a | 0x20) == (b | 0x20));
}

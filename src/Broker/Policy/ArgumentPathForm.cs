namespace PrivSep.Broker.Policy;

/// <summary>
/// An exec argument read as a path, the way the command it is passed to may read it: '/' separates segments,
/// whatever stands before the first '/' (e.g. <c>--file=</c>) is just the first segment. Two rules make the
/// literal directory of an argument pattern confine like a path glob does:
/// <list type="bullet">
/// <item>an argument with a <c>..</c> segment is never matched. It is refused rather than cleaned up: whether
/// <c>a/b/..</c> is <c>a</c> depends on whether <c>b</c> is a symbolic link, which only the command's own
/// lookup would find out, as root;</item>
/// <item>a match must survive the <b>path form</b> of both argument and pattern: <c>.</c> segments, repeated
/// '/' and a trailing '/' removed. The kernel ignores them, but they let a wildcard stand for nothing, so that
/// <c>/srv/logs/*</c> would take <c>/srv/logs/.</c>, the directory itself.</item>
/// </list>
/// </summary>
internal static class ArgumentPathForm
{
    /// <summary>True when <paramref name="text"/> has ".." between two '/' or between a '/' and its start or end.</summary>
    public static bool HasParentSegment(ReadOnlySpan<char> text)
    {
        while (true)
        {
            var slash = text.IndexOf('/');
            var segment = slash < 0 ? text : text[..slash];
            if (segment is "..")
            {
                return true;
            }

            if (slash < 0)
            {
                return false;
            }

            text = text[(slash + 1)..];
        }
    }

    /// <summary>
    /// True when <paramref name="text"/> certainly is its own path form: no "." segment, no "//", no trailing '/'
    /// (except "/" itself), not empty. A false answer only means the path form has to be computed.
    /// </summary>
    public static bool IsPathForm(ReadOnlySpan<char> text)
    {
        if (text.Length == 0 || (text.Length > 1 && text[^1] == '/') || text.Contains("//", StringComparison.Ordinal))
        {
            return false;
        }

        while (true)
        {
            var slash = text.IndexOf('/');
            if ((slash < 0 ? text : text[..slash]) is ".")
            {
                return false;
            }

            if (slash < 0)
            {
                return true;
            }

            text = text[(slash + 1)..];
        }
    }

    /// <summary>
    /// Writes the path form of <paramref name="text"/> to <paramref name="destination"/> (at least as long as the
    /// text, or 1 for an empty text) and returns its length: the segments that are neither empty nor ".", joined
    /// by '/', after a '/' when the text starts with one; "/" or "." when no segment is left.
    /// </summary>
    public static int WritePathForm(ReadOnlySpan<char> text, Span<char> destination)
    {
        var absolute = text.Length > 0 && text[0] == '/';
        var length = 0;
        var first = true;
        while (true)
        {
            var slash = text.IndexOf('/');
            var segment = slash < 0 ? text : text[..slash];
            if (segment.Length > 0 && segment is not ".")
            {
                if (!first || absolute)
                {
                    destination[length++] = '/';
                }

                segment.CopyTo(destination[length..]);
                length += segment.Length;
                first = false;
            }

            if (slash < 0)
            {
                break;
            }

            text = text[(slash + 1)..];
        }

        if (length == 0)
        {
            destination[length++] = absolute ? '/' : '.';
        }

        return length;
    }

    /// <summary>The path form as a string, for patterns compiled at load.</summary>
    public static string ToPathForm(string text)
    {
        if (IsPathForm(text))
        {
            return text;
        }

        var buffer = new char[Math.Max(text.Length, 1)];
        return new string(buffer, 0, WritePathForm(text, buffer));
    }
}

using System.Text;

namespace PrivSep.Shim.Commands;

/// <summary>
/// Splits <see cref="System.Diagnostics.ProcessStartInfo.Arguments"/> into the argument vector .NET passes to a command on
/// Unix, which follows the Windows command-line convention: spaces and tabs separate arguments unless inside double
/// quotes; a double quote opens or closes a quoted part (and is dropped); inside quotes, two double quotes are one
/// literal quote; backslashes are literal except right before a double quote, where each pair becomes one backslash and
/// an odd one left over makes the quote literal. The broker must judge exactly the vector the command would receive,
/// so tests compare this with what a real command started by the original <c>Process.Start</c> gets.
/// </summary>
internal static class ArgumentStringSplitter
{
    public static IReadOnlyList<string> Split(string? arguments)
    {
        var result = new List<string>();
        if (string.IsNullOrEmpty(arguments))
        {
            return result;
        }

        int position = 0;
        while (true)
        {
            while (position < arguments.Length && IsSeparator(arguments[position]))
            {
                position++;
            }

            if (position == arguments.Length)
            {
                return result;
            }

            result.Add(ReadArgument(arguments, ref position));
        }
    }

    /// <summary>Reads one argument from <paramref name="position"/> up to the separator (or the end) that ends it.</summary>
    private static string ReadArgument(string text, ref int position)
    {
        var argument = new StringBuilder();
        bool quoted = false;
        while (position < text.Length)
        {
            char c = text[position];
            if (c == '\\')
            {
                int backslashes = CountBackslashes(text, position);
                position += backslashes;
                bool beforeQuote = position < text.Length && text[position] == '"';
                argument.Append('\\', beforeQuote ? backslashes / 2 : backslashes);
                if (beforeQuote && backslashes % 2 == 1)
                {
                    // The odd backslash escapes the quote: a literal quote, not the start or end of a quoted part.
                    argument.Append('"');
                    position++;
                }
            }
            else if (c == '"')
            {
                if (quoted && position + 1 < text.Length && text[position + 1] == '"')
                {
                    argument.Append('"');
                    position += 2;
                }
                else
                {
                    quoted = !quoted;
                    position++;
                }
            }
            else if (IsSeparator(c) && !quoted)
            {
                return argument.ToString();
            }
            else
            {
                argument.Append(c);
                position++;
            }
        }

        return argument.ToString();
    }

    private static int CountBackslashes(string text, int start)
    {
        int end = start;
        while (end < text.Length && text[end] == '\\')
        {
            end++;
        }

        return end - start;
    }

    /// <summary>Only space and tab: a newline or any other white space belongs to the argument.</summary>
    private static bool IsSeparator(char c) => c is ' ' or '\t';
}

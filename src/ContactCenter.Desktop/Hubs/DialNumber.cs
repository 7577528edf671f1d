namespace ContactCenter.Desktop.Hubs;

/// <summary>
/// A number as an agent types it, in the form trunks dial (the gateway's DialPlan rule): digits with an optional leading +;
/// spaces, dashes, dots and brackets dropped; 3 to 16 digits. Anything else is not a number.
/// </summary>
internal static class DialNumber
{
    public static string? Normalise(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Length > 40)
        {
            return null;
        }

        Span<char> chars = stackalloc char[text.Length];
        var n = 0;
        foreach (var c in text.Trim())
        {
            if (char.IsAsciiDigit(c) || (c == '+' && n == 0))
            {
                chars[n++] = c;
            }
            else if (c is not (' ' or '-' or '.' or '(' or ')'))
            {
                return null;
            }
        }

        var digits = n - (n > 0 && chars[0] == '+' ? 1 : 0);
        return digits is >= 3 and <= 16 ? new string(chars[..n]) : null;
    }
}

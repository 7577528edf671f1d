namespace ContactCenter.Sip.Message;

/// <summary>Character classes and small scanners of the RFC 3261 §25 grammar.</summary>
internal static class SipSyntax
{
    private static readonly bool[] TokenChars = BuildTokenChars();

    private static bool[] BuildTokenChars()
    {
        var t = new bool[128];
        for (var c = 'a'; c <= 'z'; c++)
        {
            t[c] = true;
        }
        for (var c = 'A'; c <= 'Z'; c++)
        {
            t[c] = true;
        }
        for (var c = '0'; c <= '9'; c++)
        {
            t[c] = true;
        }
        foreach (var c in "-.!%*_+`'~")
        {
            t[c] = true;
        }
        return t;
    }

    public static bool IsTokenChar(char c) => c < 128 && TokenChars[c];

    public static bool IsTokenChar(byte c) => c < 128 && TokenChars[c];

    public static bool IsToken(ReadOnlySpan<char> s)
    {
        if (s.IsEmpty)
        {
            return false;
        }
        foreach (var c in s)
        {
            if (!IsTokenChar(c))
            {
                return false;
            }
        }
        return true;
    }

    public static bool IsWs(char c) => c is ' ' or '\t' or '\r' or '\n';

    public static int SkipWs(ReadOnlySpan<char> s, int i)
    {
        while (i < s.Length && IsWs(s[i]))
        {
            i++;
        }
        return i;
    }

    /// <summary>Scans a quoted-string starting at the opening quote; returns the index after the closing quote or -1.</summary>
    public static int ScanQuoted(ReadOnlySpan<char> s, int i)
    {
        i++;
        while (i < s.Length)
        {
            var c = s[i];
            if (c == '\\')
            {
                i += 2;
                continue;
            }
            if (c == '"')
            {
                return i + 1;
            }
            i++;
        }
        return -1;
    }

    public static string Unquote(ReadOnlySpan<char> quoted)
    {
        var inner = quoted[1..^1];
        if (inner.IndexOf('\\') < 0)
        {
            return inner.ToString();
        }
        var sb = new System.Text.StringBuilder(inner.Length);
        for (var i = 0; i < inner.Length; i++)
        {
            if (inner[i] == '\\' && i + 1 < inner.Length)
            {
                i++;
            }
            sb.Append(inner[i]);
        }
        return sb.ToString();
    }

    public static string Quote(string value)
    {
        var sb = new System.Text.StringBuilder(value.Length + 2);
        sb.Append('"');
        foreach (var c in value)
        {
            if (c is '"' or '\\')
            {
                sb.Append('\\');
            }
            sb.Append(c);
        }
        sb.Append('"');
        return sb.ToString();
    }

    /// <summary>Splits a header value on commas outside quoted strings and angle brackets.</summary>
    public static List<(int Start, int Length)> SplitCommas(ReadOnlySpan<char> s)
    {
        var parts = new List<(int, int)>(2);
        var start = 0;
        var angle = false;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c == '"')
            {
                var end = ScanQuoted(s, i);
                if (end < 0)
                {
                    i = s.Length - 1;
                    continue;
                }
                i = end - 1;
            }
            else if (c == '<')
            {
                angle = true;
            }
            else if (c == '>')
            {
                angle = false;
            }
            else if (c == ',' && !angle)
            {
                parts.Add((start, i - start));
                start = i + 1;
            }
        }
        parts.Add((start, s.Length - start));
        return parts;
    }

    /// <summary>Validates a host: hostname, IPv4 or bracketed IPv6 reference (RFC 5118 tolerant).</summary>
    public static bool IsValidHost(ReadOnlySpan<char> host)
    {
        if (host.IsEmpty)
        {
            return false;
        }
        if (host[0] == '[')
        {
            if (host.Length < 4 || host[^1] != ']')
            {
                return false;
            }
            return IsIpv6Body(host[1..^1]);
        }
        foreach (var c in host)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_'))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>IPv6 text: hex digits, colons and dots (RFC 5118 §4.10: tolerate the 3-colon form).</summary>
    public static bool IsIpv6Body(ReadOnlySpan<char> s)
    {
        if (s.IndexOf(':') < 0)
        {
            return false;
        }
        foreach (var c in s)
        {
            if (!(char.IsAsciiHexDigit(c) || c is ':' or '.'))
            {
                return false;
            }
        }
        return true;
    }
}

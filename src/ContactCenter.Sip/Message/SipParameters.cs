using System.Text;

namespace ContactCenter.Sip.Message;

/// <summary>An ordered list of <c>;name[=value]</c> parameters (names compared case-insensitively).</summary>
public sealed class SipParameters
{
    private readonly List<KeyValuePair<string, string?>> items = [];

    /// <summary>The parameters in order.</summary>
    public IReadOnlyList<KeyValuePair<string, string?>> Items => items;

    /// <summary>Number of parameters.</summary>
    public int Count => items.Count;

    /// <summary>True when the parameter is present (with or without value).</summary>
    public bool Contains(string name) => IndexOf(name) >= 0;

    /// <summary>The value of a parameter; null when absent or valueless.</summary>
    public string? Get(string name)
    {
        var i = IndexOf(name);
        return i < 0 ? null : items[i].Value;
    }

    /// <summary>Adds or replaces a parameter.</summary>
    public void Set(string name, string? value)
    {
        var i = IndexOf(name);
        if (i < 0)
        {
            items.Add(new(name, value));
        }
        else
        {
            items[i] = new(name, value);
        }
    }

    /// <summary>Removes a parameter when present.</summary>
    public void Remove(string name)
    {
        var i = IndexOf(name);
        if (i >= 0)
        {
            items.RemoveAt(i);
        }
    }

    private int IndexOf(string name)
    {
        for (var i = 0; i < items.Count; i++)
        {
            if (string.Equals(items[i].Key, name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }
        return -1;
    }

    internal void AppendTo(StringBuilder sb)
    {
        foreach (var p in items)
        {
            sb.Append(';').Append(p.Key);
            if (p.Value is not null)
            {
                sb.Append('=').Append(p.Value);
            }
        }
    }

    internal SipParameters Clone()
    {
        var c = new SipParameters();
        c.items.AddRange(items);
        return c;
    }

    /// <summary>
    /// Parses <c>*( LWS ";" LWS name [LWS "=" LWS value] )</c> from <paramref name="s"/> at <paramref name="i"/>.
    /// Stops at the first character that is not ';' (after LWS). Returns an error text or null.
    /// </summary>
    internal static string? Parse(ReadOnlySpan<char> s, ref int i, SipParameters into, bool stopAtQuestion = false)
    {
        while (true)
        {
            var j = SipSyntax.SkipWs(s, i);
            if (j >= s.Length || s[j] != ';')
            {
                i = j;
                return null;
            }
            j = SipSyntax.SkipWs(s, j + 1);
            var nameStart = j;
            while (j < s.Length && (SipSyntax.IsTokenChar(s[j]) || s[j] is '[' or ']' or '/' or ':' or '&' or '$'))
            {
                j++;
            }
            if (j == nameStart)
            {
                return "empty parameter";
            }
            var name = s[nameStart..j].ToString();
            var k = SipSyntax.SkipWs(s, j);
            string? value = null;
            if (k < s.Length && s[k] == '=')
            {
                k = SipSyntax.SkipWs(s, k + 1);
                if (k >= s.Length)
                {
                    return $"parameter '{name}' has no value";
                }
                if (s[k] == '"')
                {
                    var end = SipSyntax.ScanQuoted(s, k);
                    if (end < 0)
                    {
                        return $"unterminated quoted string in parameter '{name}'";
                    }
                    value = s[k..end].ToString();
                    k = end;
                }
                else if (s[k] == '[')
                {
                    var end = s[k..].IndexOf(']');
                    if (end < 0)
                    {
                        return $"unterminated IPv6 reference in parameter '{name}'";
                    }
                    value = s.Slice(k, end + 1).ToString();
                    k += end + 1;
                }
                else
                {
                    var vs = k;
                    while (k < s.Length && !SipSyntax.IsWs(s[k]) && s[k] is not ';' and not ',' and not '?' and not '>')
                    {
                        k++;
                    }
                    if (k == vs)
                    {
                        return $"parameter '{name}' has no value";
                    }
                    value = s[vs..k].ToString();
                }
                i = k;
            }
            else
            {
                i = j;
            }
            into.items.Add(new(name, value));
            _ = stopAtQuestion;
        }
    }
}

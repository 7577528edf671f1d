using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace ContactCenter.Sip.Message;

/// <summary>A name-addr or addr-spec with header parameters: From, To, Contact, Route, Record-Route (RFC 3261 §20.10, §25.1).</summary>
public sealed class SipNameAddress
{
    /// <summary>Display name (unquoted), or null.</summary>
    public string? DisplayName { get; init; }
    /// <summary>The URI.</summary>
    public required SipUri Uri { get; init; }
    /// <summary>Header parameters (tag, expires, q...).</summary>
    public SipParameters Parameters { get; init; } = new();

    /// <summary>The tag parameter, or null.</summary>
    public string? Tag => Parameters.Get("tag");

    /// <summary>Creates an address from a URI.</summary>
    public static SipNameAddress Create(SipUri uri, string? displayName = null, string? tag = null)
    {
        var a = new SipNameAddress { Uri = uri, DisplayName = displayName };
        if (tag is not null)
        {
            a.Parameters.Set("tag", tag);
        }
        return a;
    }

    /// <summary>A copy with a tag set.</summary>
    public SipNameAddress WithTag(string tag)
    {
        var p = Parameters.Clone();
        p.Set("tag", tag);
        return new SipNameAddress { DisplayName = DisplayName, Uri = Uri, Parameters = p };
    }

    /// <summary>Parses one value (already split from a list).</summary>
    public static bool TryParse(ReadOnlySpan<char> s, [NotNullWhen(true)] out SipNameAddress? value, [NotNullWhen(false)] out string? error)
    {
        value = null;
        var i = SipSyntax.SkipWs(s, 0);
        string? display = null;
        var hasAngle = false;
        if (i < s.Length && s[i] == '"')
        {
            var end = SipSyntax.ScanQuoted(s, i);
            if (end < 0)
            {
                error = "unterminated quoted string in display name";
                return false;
            }
            display = SipSyntax.Unquote(s[i..end]);
            i = SipSyntax.SkipWs(s, end);
            if (i >= s.Length || s[i] != '<')
            {
                error = "display name is not followed by <URI>";
                return false;
            }
            hasAngle = true;
        }
        else
        {
            var lt = s[i..].IndexOf('<');
            if (lt >= 0)
            {
                var dn = s.Slice(i, lt).Trim();
                foreach (var c in dn)
                {
                    if (!SipSyntax.IsTokenChar(c) && !SipSyntax.IsWs(c))
                    {
                        error = "display name contains a character that is not allowed unquoted";
                        return false;
                    }
                }
                if (!dn.IsEmpty)
                {
                    display = dn.ToString();
                }
                i += lt;
                hasAngle = true;
            }
        }
        SipUri? uri;
        if (hasAngle)
        {
            var close = s[i..].IndexOf('>');
            if (close < 0)
            {
                error = "missing > after URI";
                return false;
            }
            var inner = s.Slice(i + 1, close - 1);
            if (!SipUri.TryParse(inner, out uri, out var ue))
            {
                error = ue;
                return false;
            }
            i += close + 1;
        }
        else
        {
            var start = i;
            while (i < s.Length && s[i] != ';' && !SipSyntax.IsWs(s[i]))
            {
                i++;
            }
            var spec = s[start..i];
            if (spec.IndexOfAny('?', ',') >= 0)
            {
                error = "a URI with headers or commas must be enclosed in < >";
                return false;
            }
            if (!SipUri.TryParse(spec, out uri, out var ue))
            {
                error = ue;
                return false;
            }
        }
        var parameters = new SipParameters();
        var pe = SipParameters.Parse(s, ref i, parameters);
        if (pe is not null)
        {
            error = pe;
            return false;
        }
        if (i != s.Length)
        {
            error = "unexpected characters after the address";
            return false;
        }
        value = new SipNameAddress { DisplayName = display, Uri = uri, Parameters = parameters };
        error = null;
        return true;
    }

    /// <summary>Parses or throws <see cref="FormatException"/>.</summary>
    public static SipNameAddress Parse(string s) =>
        TryParse(s, out var v, out var e) ? v : throw new FormatException(e);

    /// <inheritdoc/>
    public override string ToString()
    {
        var sb = new StringBuilder(96);
        if (DisplayName is not null)
        {
            sb.Append(SipSyntax.Quote(DisplayName)).Append(' ');
        }
        sb.Append('<').Append(Uri.ToString()).Append('>');
        Parameters.AppendTo(sb);
        return sb.ToString();
    }
}

using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace ContactCenter.Sip.Message;

/// <summary>A SIP, SIPS or tel URI (RFC 3261 §19.1, RFC 3966), or any other absolute URI kept opaque.</summary>
public sealed class SipUri
{
    private string? text;

    /// <summary>Lower-case scheme: sip, sips, tel or another (then <see cref="Opaque"/> holds the rest).</summary>
    public string Scheme { get; init; } = "sip";
    /// <summary>User part as written (escapes kept); for tel URIs the number.</summary>
    public string? User { get; init; }
    /// <summary>Password part, if any.</summary>
    public string? Password { get; init; }
    /// <summary>Host: name, IPv4 or bracketed IPv6 reference. Empty for tel and opaque URIs.</summary>
    public string Host { get; init; } = "";
    /// <summary>Port, when given.</summary>
    public int? Port { get; init; }
    /// <summary>URI parameters (transport, lr, user, maddr...).</summary>
    public SipParameters Parameters { get; init; } = new();
    /// <summary>The header part after '?', verbatim (escaped), or null.</summary>
    public string? Headers { get; init; }
    /// <summary>For schemes other than sip/sips/tel: everything after "scheme:".</summary>
    public string? Opaque { get; init; }

    /// <summary>True for sip: and sips: URIs.</summary>
    public bool IsSip => Scheme is "sip" or "sips";

    /// <summary>The transport parameter, lower-case, or null.</summary>
    public string? Transport => Parameters.Get("transport")?.ToLowerInvariant();

    /// <summary>True when the lr parameter is present (loose routing).</summary>
    public bool IsLooseRouter => Parameters.Contains("lr");

    /// <summary>Host with brackets removed from an IPv6 reference.</summary>
    public string HostWithoutBrackets => Host.StartsWith('[') ? Host[1..^1] : Host;

    /// <summary>Creates a sip: URI.</summary>
    public static SipUri Create(string? user, string host, int? port = null, string scheme = "sip") =>
        new() { Scheme = scheme, User = user, Host = host, Port = port };

    /// <summary>Parses a URI; returns false and an error text naming the fault.</summary>
    public static bool TryParse(ReadOnlySpan<char> s, [NotNullWhen(true)] out SipUri? uri, [NotNullWhen(false)] out string? error)
    {
        uri = null;
        var colon = s.IndexOf(':');
        if (colon <= 0 || !char.IsAsciiLetter(s[0]))
        {
            error = "URI has no scheme";
            return false;
        }
        for (var i = 1; i < colon; i++)
        {
            var c = s[i];
            if (!(char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.'))
            {
                error = "URI scheme has an invalid character";
                return false;
            }
        }
        foreach (var c in s)
        {
            if (c <= ' ' || c is '<' or '>' or '"')
            {
                error = "URI contains whitespace, a control character or a bracket";
                return false;
            }
        }
        var scheme = s[..colon].ToString().ToLowerInvariant();
        var rest = s[(colon + 1)..];
        if (scheme is "sip" or "sips")
        {
            return TryParseSip(scheme, rest, s, out uri, out error);
        }
        if (scheme == "tel")
        {
            var semi = rest.IndexOf(';');
            var number = semi < 0 ? rest : rest[..semi];
            if (number.IsEmpty)
            {
                error = "tel URI has no number";
                return false;
            }
            var p = new SipParameters();
            if (semi >= 0)
            {
                var i = semi;
                var e = SipParameters.Parse(rest, ref i, p);
                if (e is not null || i != rest.Length)
                {
                    error = e ?? "tel URI parameters are malformed";
                    return false;
                }
            }
            uri = new SipUri { Scheme = scheme, User = number.ToString(), Parameters = p, text = s.ToString() };
            error = null;
            return true;
        }
        if (rest.IsEmpty)
        {
            error = "URI is empty after its scheme";
            return false;
        }
        uri = new SipUri { Scheme = scheme, Opaque = rest.ToString(), text = s.ToString() };
        error = null;
        return true;
    }

    private static bool TryParseSip(string scheme, ReadOnlySpan<char> rest, ReadOnlySpan<char> whole, [NotNullWhen(true)] out SipUri? uri, [NotNullWhen(false)] out string? error)
    {
        uri = null;
        string? user = null;
        string? password = null;
        var at = rest.IndexOf('@');
        if (at >= 0)
        {
            var userinfo = rest[..at];
            var pc = userinfo.IndexOf(':');
            var u = pc < 0 ? userinfo : userinfo[..pc];
            if (u.IsEmpty)
            {
                error = "SIP URI has an empty user part";
                return false;
            }
            user = u.ToString();
            if (pc >= 0)
            {
                password = userinfo[(pc + 1)..].ToString();
            }
            rest = rest[(at + 1)..];
        }
        var hostEnd = 0;
        if (rest.Length > 0 && rest[0] == '[')
        {
            var close = rest.IndexOf(']');
            if (close < 0)
            {
                error = "unterminated IPv6 reference in URI host";
                return false;
            }
            hostEnd = close + 1;
        }
        else
        {
            while (hostEnd < rest.Length && rest[hostEnd] is not ':' and not ';' and not '?')
            {
                hostEnd++;
            }
        }
        var host = rest[..hostEnd];
        if (!SipSyntax.IsValidHost(host))
        {
            error = "SIP URI host is missing or malformed";
            return false;
        }
        var i = hostEnd;
        int? port = null;
        if (i < rest.Length && rest[i] == ':')
        {
            var ps = ++i;
            while (i < rest.Length && char.IsAsciiDigit(rest[i]))
            {
                i++;
            }
            if (i == ps || i - ps > 5 || (i < rest.Length && rest[i] is not ';' and not '?'))
            {
                error = "SIP URI port is not a number (an IPv6 address needs [ ])";
                return false;
            }
            var pv = int.Parse(rest[ps..i], NumberStyles.None, CultureInfo.InvariantCulture);
            if (pv > 65535)
            {
                error = "SIP URI port is out of range";
                return false;
            }
            port = pv;
        }
        var parameters = new SipParameters();
        var pe = SipParameters.Parse(rest, ref i, parameters);
        if (pe is not null)
        {
            error = "SIP URI " + pe;
            return false;
        }
        string? headers = null;
        if (i < rest.Length)
        {
            if (rest[i] != '?')
            {
                error = "SIP URI has unexpected characters after the host";
                return false;
            }
            headers = rest[(i + 1)..].ToString();
        }
        uri = new SipUri
        {
            Scheme = scheme,
            User = user,
            Password = password,
            Host = host.ToString(),
            Port = port,
            Parameters = parameters,
            Headers = headers,
            text = whole.ToString(),
        };
        error = null;
        return true;
    }

    /// <summary>Parses or throws <see cref="FormatException"/> (for literals in application code).</summary>
    public static SipUri Parse(string s) =>
        TryParse(s, out var uri, out var error) ? uri : throw new FormatException(error);

    /// <summary>A copy with other parameters (the text is rebuilt).</summary>
    public SipUri With(string? user = null, string? host = null, int? port = null, bool clearHeaders = false) => new()
    {
        Scheme = Scheme,
        User = user ?? User,
        Password = Password,
        Host = host ?? Host,
        Port = port ?? Port,
        Parameters = Parameters.Clone(),
        Headers = clearHeaders ? null : Headers,
        Opaque = Opaque,
    };

    /// <summary>The address-of-record form (scheme:user@host), used as registrar key.</summary>
    public string ToAddressOfRecord()
    {
        var u = User is null ? "" : Unescape(User) + "@";
        return $"{(Scheme == "sips" ? "sip" : Scheme)}:{u}{Host.ToLowerInvariant()}";
    }

    /// <summary>Decodes %HH escapes.</summary>
    public static string Unescape(string s)
    {
        if (!s.Contains('%', StringComparison.Ordinal))
        {
            return s;
        }
        var bytes = new List<byte>(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '%' && i + 2 < s.Length && char.IsAsciiHexDigit(s[i + 1]) && char.IsAsciiHexDigit(s[i + 2]))
            {
                bytes.Add(byte.Parse(s.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                i += 2;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(s[i].ToString()));
            }
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    /// <inheritdoc/>
    public override string ToString()
    {
        if (text is not null)
        {
            return text;
        }
        var sb = new StringBuilder(64);
        sb.Append(Scheme).Append(':');
        if (Opaque is not null)
        {
            sb.Append(Opaque);
            return text = sb.ToString();
        }
        if (Scheme == "tel")
        {
            sb.Append(User);
            Parameters.AppendTo(sb);
            return text = sb.ToString();
        }
        if (User is not null)
        {
            sb.Append(User);
            if (Password is not null)
            {
                sb.Append(':').Append(Password);
            }
            sb.Append('@');
        }
        sb.Append(Host);
        if (Port is { } p)
        {
            sb.Append(':').Append(p.ToString(CultureInfo.InvariantCulture));
        }
        Parameters.AppendTo(sb);
        if (Headers is not null)
        {
            sb.Append('?').Append(Headers);
        }
        return text = sb.ToString();
    }
}

using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace ContactCenter.Sip.Message;

/// <summary>One Via value (RFC 3261 §20.42, RFC 3581 rport).</summary>
public sealed class SipVia
{
    /// <summary>The magic cookie that marks an RFC 3261 branch.</summary>
    public const string MagicCookie = "z9hG4bK";

    /// <summary>Upper-case transport (UDP, TCP, TLS, SCTP, or another token).</summary>
    public required string Transport { get; init; }
    /// <summary>Sent-by host.</summary>
    public required string Host { get; init; }
    /// <summary>Sent-by port, when given.</summary>
    public int? Port { get; init; }
    /// <summary>Parameters (branch, received, rport, maddr, ttl...).</summary>
    public SipParameters Parameters { get; init; } = new();

    /// <summary>The branch parameter.</summary>
    public string? Branch => Parameters.Get("branch");
    /// <summary>The received parameter.</summary>
    public string? Received => Parameters.Get("received");
    /// <summary>True when rport is present (with or without value).</summary>
    public bool HasRport => Parameters.Contains("rport");
    /// <summary>The rport value when filled in.</summary>
    public int? Rport => int.TryParse(Parameters.Get("rport"), NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : null;

    /// <summary>True for an RFC 3261 branch (magic cookie plus something more).</summary>
    public bool HasRfc3261Branch => Branch is { } b && b.Length > MagicCookie.Length && b.StartsWith(MagicCookie, StringComparison.Ordinal);

    /// <summary>Parses one Via value.</summary>
    public static bool TryParse(ReadOnlySpan<char> s, [NotNullWhen(true)] out SipVia? via, [NotNullWhen(false)] out string? error)
    {
        via = null;
        var i = 0;
        if (!ReadToken(s, ref i, out var proto) || !proto.Equals("SIP", StringComparison.OrdinalIgnoreCase))
        {
            error = "Via protocol name is not SIP";
            return false;
        }
        if (!Slash(s, ref i) || !ReadToken(s, ref i, out var version))
        {
            error = "Via protocol version is missing";
            return false;
        }
        if (!Slash(s, ref i) || !ReadToken(s, ref i, out var transport))
        {
            error = "Via transport is missing";
            return false;
        }
        i = SipSyntax.SkipWs(s, i);
        var hs = i;
        if (i < s.Length && s[i] == '[')
        {
            var close = s[i..].IndexOf(']');
            if (close < 0)
            {
                error = "Via sent-by has an unterminated IPv6 reference";
                return false;
            }
            i += close + 1;
        }
        else
        {
            while (i < s.Length && s[i] is not ':' and not ';' && !SipSyntax.IsWs(s[i]))
            {
                i++;
            }
        }
        var host = s[hs..i];
        if (!SipSyntax.IsValidHost(host))
        {
            error = "Via sent-by host is missing or malformed";
            return false;
        }
        int? port = null;
        var j = SipSyntax.SkipWs(s, i);
        if (j < s.Length && s[j] == ':')
        {
            j = SipSyntax.SkipWs(s, j + 1);
            var ps = j;
            while (j < s.Length && char.IsAsciiDigit(s[j]))
            {
                j++;
            }
            if (j == ps || j - ps > 5)
            {
                error = "Via sent-by port is not a number";
                return false;
            }
            var pv = int.Parse(s[ps..j], NumberStyles.None, CultureInfo.InvariantCulture);
            if (pv > 65535)
            {
                error = "Via sent-by port is out of range";
                return false;
            }
            port = pv;
            i = j;
        }
        var parameters = new SipParameters();
        var pe = SipParameters.Parse(s, ref i, parameters);
        if (pe is not null)
        {
            error = "Via " + pe;
            return false;
        }
        if (i != s.Length)
        {
            error = "Via has unexpected characters after its parameters";
            return false;
        }
        if (parameters.Contains("branch") && string.IsNullOrEmpty(parameters.Get("branch")))
        {
            error = "Via branch is empty";
            return false;
        }
        _ = version;
        via = new SipVia { Transport = transport.ToUpperInvariant(), Host = host.ToString(), Port = port, Parameters = parameters };
        error = null;
        return true;
    }

    private static bool ReadToken(ReadOnlySpan<char> s, ref int i, out string token)
    {
        i = SipSyntax.SkipWs(s, i);
        var st = i;
        while (i < s.Length && SipSyntax.IsTokenChar(s[i]))
        {
            i++;
        }
        token = s[st..i].ToString();
        return i > st;
    }

    private static bool Slash(ReadOnlySpan<char> s, ref int i)
    {
        i = SipSyntax.SkipWs(s, i);
        if (i < s.Length && s[i] == '/')
        {
            i++;
            return true;
        }
        return false;
    }

    /// <inheritdoc/>
    public override string ToString()
    {
        var sb = new StringBuilder(80);
        sb.Append("SIP/2.0/").Append(Transport).Append(' ').Append(Host);
        if (Port is { } p)
        {
            sb.Append(':').Append(p.ToString(CultureInfo.InvariantCulture));
        }
        Parameters.AppendTo(sb);
        return sb.ToString();
    }
}

namespace ContactCenter.Sip.Message;

/// <summary>Header fields the stack knows by name (compact forms map to the same id).</summary>
public enum SipHeaderId
{
    /// <summary>Any header the stack does not interpret (kept verbatim).</summary>
    Other = 0,
    Via, From, To, CallId, CSeq, Contact, MaxForwards, ContentLength, ContentType, ContentEncoding,
    Subject, Supported, Route, RecordRoute, Expires, Allow, Accept, Require, ProxyRequire, Unsupported,
    Authorization, WwwAuthenticate, ProxyAuthenticate, ProxyAuthorization, Date, UserAgent, Server,
    Warning, RetryAfter, MinExpires, Event, ReferTo, Reason, AuthenticationInfo, AcceptEncoding, AcceptLanguage,
}

/// <summary>Canonical names and compact forms (RFC 3261 §7.3.3, §20).</summary>
public static class SipHeaderNames
{
    private static readonly string[] Canonical =
    [
        "", "Via", "From", "To", "Call-ID", "CSeq", "Contact", "Max-Forwards", "Content-Length", "Content-Type",
        "Content-Encoding", "Subject", "Supported", "Route", "Record-Route", "Expires", "Allow", "Accept", "Require",
        "Proxy-Require", "Unsupported", "Authorization", "WWW-Authenticate", "Proxy-Authenticate", "Proxy-Authorization",
        "Date", "User-Agent", "Server", "Warning", "Retry-After", "Min-Expires", "Event", "Refer-To", "Reason",
        "Authentication-Info", "Accept-Encoding", "Accept-Language",
    ];

    private static readonly Dictionary<string, SipHeaderId> ByName = BuildByName();

    private static readonly Dictionary<string, SipHeaderId>.AlternateLookup<ReadOnlySpan<char>> ByNameSpan =
        ByName.GetAlternateLookup<ReadOnlySpan<char>>();

    private static Dictionary<string, SipHeaderId> BuildByName()
    {
        var d = new Dictionary<string, SipHeaderId>(StringComparer.OrdinalIgnoreCase);
        for (var i = 1; i < Canonical.Length; i++)
        {
            d[Canonical[i]] = (SipHeaderId)i;
        }
        d["v"] = SipHeaderId.Via;
        d["f"] = SipHeaderId.From;
        d["t"] = SipHeaderId.To;
        d["i"] = SipHeaderId.CallId;
        d["m"] = SipHeaderId.Contact;
        d["l"] = SipHeaderId.ContentLength;
        d["c"] = SipHeaderId.ContentType;
        d["e"] = SipHeaderId.ContentEncoding;
        d["s"] = SipHeaderId.Subject;
        d["k"] = SipHeaderId.Supported;
        d["o"] = SipHeaderId.Event;
        d["r"] = SipHeaderId.ReferTo;
        return d;
    }

    /// <summary>The id of a header name (long or compact, any case).</summary>
    public static SipHeaderId Lookup(ReadOnlySpan<char> name) =>
        ByNameSpan.TryGetValue(name, out var id) ? id : SipHeaderId.Other;

    internal static SipHeaderId Lookup(ReadOnlySpan<byte> name)
    {
        if (name.Length > 24)
        {
            return SipHeaderId.Other;
        }
        Span<char> chars = stackalloc char[name.Length];
        for (var i = 0; i < name.Length; i++)
        {
            chars[i] = (char)name[i];
        }
        return Lookup(chars);
    }

    /// <summary>The canonical long name of a known header.</summary>
    public static string CanonicalName(SipHeaderId id) => Canonical[(int)id];

    /// <summary>True for headers whose values are comma-separated lists.</summary>
    public static bool IsList(SipHeaderId id) => id is SipHeaderId.Via or SipHeaderId.Contact or SipHeaderId.Route
        or SipHeaderId.RecordRoute or SipHeaderId.Allow or SipHeaderId.Accept or SipHeaderId.Supported
        or SipHeaderId.Require or SipHeaderId.ProxyRequire or SipHeaderId.Unsupported or SipHeaderId.AcceptEncoding
        or SipHeaderId.AcceptLanguage or SipHeaderId.Warning;
}

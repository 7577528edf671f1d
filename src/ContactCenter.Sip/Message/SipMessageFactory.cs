using System.Globalization;

namespace ContactCenter.Sip.Message;

/// <summary>Identifiers: tags, branches, Call-IDs.</summary>
public static class SipIds
{
    /// <summary>A random From/To tag.</summary>
    public static string NewTag() => Random.Shared.NextInt64().ToString("x", CultureInfo.InvariantCulture);

    /// <summary>A random RFC 3261 branch (starts with the magic cookie).</summary>
    public static string NewBranch() => SipVia.MagicCookie + Random.Shared.NextInt64().ToString("x", CultureInfo.InvariantCulture) + Random.Shared.Next().ToString("x", CultureInfo.InvariantCulture);

    /// <summary>A random Call-ID.</summary>
    public static string NewCallId(string host) => Guid.NewGuid().ToString("N") + "@" + host;
}

/// <summary>Builds responses to requests (RFC 3261 §8.2.6).</summary>
public static class SipMessageFactory
{
    /// <summary>
    /// A response copying Via, From, To, Call-ID and CSeq from the request (verbatim, so this also works
    /// on the partial message of a parse error). A To tag is added to non-100 responses that lack one.
    /// </summary>
    public static SipResponse CreateResponse(SipRequest request, int statusCode, string? reason = null, string? toTag = null)
    {
        var r = new SipResponse { StatusCode = statusCode, ReasonPhrase = reason ?? SipResponse.DefaultReason(statusCode) };
        var h = request.Headers;
        for (var i = 0; i < h.Count; i++)
        {
            switch (h.IdAt(i))
            {
                case SipHeaderId.Via:
                case SipHeaderId.From:
                case SipHeaderId.CallId:
                case SipHeaderId.CSeq:
                    r.Headers.CopyVerbatim(h, i);
                    break;
                case SipHeaderId.To:
                {
                    var to = h.ValueAt(i);
                    if (statusCode > 100 && !HasTag(to))
                    {
                        to += ";tag=" + (toTag ?? SipIds.NewTag());
                    }
                    r.Headers.Add("To", to);
                    break;
                }
                case SipHeaderId.RecordRoute:
                    if (statusCode is > 100 and < 300)
                    {
                        r.Headers.Add("Record-Route", h.ValueAt(i));
                    }
                    break;
                default:
                    break;
            }
        }
        return r;
    }

    /// <summary>True when a To/From value carries a tag parameter.</summary>
    public static bool HasTag(string addressValue) =>
        SipNameAddress.TryParse(addressValue, out var a, out _) ? a.Tag is not null : addressValue.Contains(";tag=", StringComparison.OrdinalIgnoreCase);
}

using System.Buffers;
using System.Globalization;
using System.Text;

namespace ContactCenter.Sip.Message;

/// <summary>CSeq value (RFC 3261 §20.16).</summary>
public readonly record struct SipCSeq(uint Number, string Method)
{
    /// <inheritdoc/>
    public override string ToString() => Number.ToString(CultureInfo.InvariantCulture) + " " + Method;
}

/// <summary>A SIP request or response. Typed views of the core headers are parsed once and cached.</summary>
public abstract class SipMessage
{
    private IReadOnlyList<SipVia>? vias;
    private SipNameAddress? from;
    private SipNameAddress? to;
    private SipCSeq? cseq;
    private IReadOnlyList<SipNameAddress>? contacts;

    /// <summary>Creates an empty message.</summary>
    protected SipMessage()
    {
        Headers = new SipHeaders { Changed = null };
        Headers.Changed = InvalidateTyped;
    }

    /// <summary>The header fields.</summary>
    public SipHeaders Headers { get; private set; }

    internal void AdoptHeaders(SipHeaders parsed)
    {
        parsed.Changed = InvalidateTyped;
        Headers = parsed;
    }

    /// <summary>The body (framed by Content-Length).</summary>
    public ReadOnlyMemory<byte> Body { get; set; }

    /// <summary>Where the message came from (set by the transport for received messages).</summary>
    public SipSource? Source { get; internal set; }

    /// <summary>When the transport received it (the endpoint's <see cref="TimeProvider"/> timestamp), or 0 when not stamped.</summary>
    internal long ReceivedTimestamp { get; set; }

    /// <summary>Via values, top first.</summary>
    public IReadOnlyList<SipVia> Vias => vias ??= ParseList(SipHeaderId.Via, static (string v, out SipVia? r, out string? e) => SipVia.TryParse(v, out r, out e));

    /// <summary>The top Via, or null.</summary>
    public SipVia? TopVia => Vias.Count > 0 ? Vias[0] : null;

    /// <summary>From.</summary>
    public SipNameAddress From => from ??= ParseAddress(SipHeaderId.From);

    /// <summary>To.</summary>
    public SipNameAddress To => to ??= ParseAddress(SipHeaderId.To);

    /// <summary>Call-ID.</summary>
    public string CallId => Headers.Get(SipHeaderId.CallId) ?? "";

    /// <summary>CSeq.</summary>
    public SipCSeq CSeq => cseq ??= ParseCSeq(Headers.Get(SipHeaderId.CSeq), out var c, out _) ? c : default;

    /// <summary>Max-Forwards, or null when absent.</summary>
    public int? MaxForwards => int.TryParse(Headers.Get(SipHeaderId.MaxForwards), NumberStyles.None, CultureInfo.InvariantCulture, out var m) ? m : null;

    /// <summary>Contact values (empty for "*"; see <see cref="IsContactWildcard"/>).</summary>
    public IReadOnlyList<SipNameAddress> Contacts => contacts ??= IsContactWildcard ? [] : ParseList(SipHeaderId.Contact, static (string v, out SipNameAddress? r, out string? e) => SipNameAddress.TryParse(v, out r, out e));

    /// <summary>True when Contact is "*".</summary>
    public bool IsContactWildcard => Headers.Get(SipHeaderId.Contact)?.Trim() == "*";

    /// <summary>Content-Type, or null.</summary>
    public string? ContentType => Headers.Get(SipHeaderId.ContentType);

    /// <summary>The Expires header as seconds, or null.</summary>
    public int? Expires => int.TryParse(Headers.Get(SipHeaderId.Expires), NumberStyles.None, CultureInfo.InvariantCulture, out var e) ? e : (Headers.Get(SipHeaderId.Expires) is not null ? int.MaxValue : null);

    /// <summary>The body as UTF-8 text.</summary>
    public string BodyText => Encoding.UTF8.GetString(Body.Span);

    internal void SetTyped(IReadOnlyList<SipVia> v, SipNameAddress f, SipNameAddress t, SipCSeq c, IReadOnlyList<SipNameAddress>? m)
    {
        vias = v;
        from = f;
        to = t;
        cseq = c;
        contacts = m;
    }

    /// <summary>
    /// Lets go of everything materialised from the received bytes (typed Via/From/To/Contact values,
    /// header strings); all of it is parsed again from the bytes if asked for. Finished transactions
    /// keep their request for 32 s (Timers J and L): trimmed, it costs its bytes, not its objects.
    /// </summary>
    internal void Trim()
    {
        vias = null;
        from = null;
        to = null;
        contacts = null;
        Headers.TrimMaterialised();
    }

    private void InvalidateTyped()
    {
        vias = null;
        from = null;
        to = null;
        cseq = null;
        contacts = null;
    }

    private delegate bool TryParser<T>(string value, out T? result, out string? error);

    private List<T> ParseList<T>(SipHeaderId id, TryParser<T> parser)
        where T : class
    {
        var list = new List<T>(1);
        for (var i = 0; i < Headers.Count; i++)
        {
            if (Headers.IdAt(i) != id)
            {
                continue;
            }
            var v = Headers.ValueAt(i);
            foreach (var (s, l) in SipSyntax.SplitCommas(v))
            {
                var part = v.Substring(s, l).Trim();
                if (part.Length > 0 && parser(part, out var r, out _) && r is not null)
                {
                    list.Add(r);
                }
            }
        }
        return list;
    }

    private SipNameAddress ParseAddress(SipHeaderId id)
    {
        var v = Headers.Get(id);
        return v is not null && SipNameAddress.TryParse(v, out var a, out _) ? a : new SipNameAddress { Uri = new SipUri { Scheme = "invalid", Opaque = "-" } };
    }

    internal static bool ParseCSeq(string? v, out SipCSeq cseq, out string? error)
    {
        cseq = default;
        if (v is null)
        {
            error = "CSeq is missing";
            return false;
        }
        var s = v.AsSpan().Trim();
        var i = 0;
        while (i < s.Length && char.IsAsciiDigit(s[i]))
        {
            i++;
        }
        if (i == 0)
        {
            error = "CSeq has no sequence number";
            return false;
        }
        if (!uint.TryParse(s[..i], NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            error = "CSeq sequence number is larger than 2^32-1";
            return false;
        }
        var m = s[i..].Trim();
        if (i == s.Length || !SipSyntax.IsWs(s[i]) || !SipSyntax.IsToken(m))
        {
            error = "CSeq method is missing or not a token";
            return false;
        }
        cseq = new SipCSeq(n, m.ToString());
        error = null;
        return true;
    }

    /// <summary>Writes the start line.</summary>
    private protected abstract void WriteStartLine(StringBuilder sb);

    /// <summary>Serialises the message; Content-Length is always written from the body.</summary>
    public byte[] ToBytes()
    {
        var w = new ArrayBufferWriter<byte>(512 + Body.Length);
        WriteTo(w);
        return w.WrittenSpan.ToArray();
    }

    /// <summary>Serialises into a buffer writer.</summary>
    public void WriteTo(IBufferWriter<byte> writer)
    {
        var sb = new StringBuilder(256);
        WriteStartLine(sb);
        WriteAscii(writer, sb);
        for (var i = 0; i < Headers.Count; i++)
        {
            if (Headers.IdAt(i) == SipHeaderId.ContentLength)
            {
                continue;
            }
            ref var e = ref Headers[i];
            if (e.RawStart >= 0 && Headers.Raw is not null)
            {
                writer.Write(Headers.Raw.AsSpan(e.RawStart, e.RawLength));
                continue;
            }
            sb.Clear();
            sb.Append(Headers.NameAt(i)).Append(": ").Append(Headers.ValueAt(i)).Append("\r\n");
            WriteAscii(writer, sb);
        }
        sb.Clear();
        sb.Append("Content-Length: ").Append(Body.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n\r\n");
        WriteAscii(writer, sb);
        writer.Write(Body.Span);
    }

    private static void WriteAscii(IBufferWriter<byte> writer, StringBuilder sb)
    {
        foreach (var chunk in sb.GetChunks())
        {
            var n = Encoding.UTF8.GetByteCount(chunk.Span);
            var span = writer.GetSpan(n);
            Encoding.UTF8.GetBytes(chunk.Span, span);
            writer.Advance(n);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Encoding.UTF8.GetString(ToBytes());
}

/// <summary>A SIP request.</summary>
public sealed class SipRequest : SipMessage
{
    /// <summary>Method (case-sensitive token).</summary>
    public required string Method { get; init; }

    /// <summary>Request-URI.</summary>
    public required SipUri RequestUri { get; set; }

    private protected override void WriteStartLine(StringBuilder sb) =>
        sb.Append(Method).Append(' ').Append(RequestUri.ToString()).Append(" SIP/2.0\r\n");
}

/// <summary>A SIP response.</summary>
public sealed class SipResponse : SipMessage
{
    /// <summary>Status code 100–699.</summary>
    public required int StatusCode { get; init; }

    /// <summary>Reason phrase (may be empty).</summary>
    public string ReasonPhrase { get; init; } = "";

    /// <summary>True for 1xx.</summary>
    public bool IsProvisional => StatusCode < 200;

    /// <summary>True for 2xx.</summary>
    public bool IsSuccess => StatusCode is >= 200 and < 300;

    private protected override void WriteStartLine(StringBuilder sb) =>
        sb.Append("SIP/2.0 ").Append(StatusCode.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(ReasonPhrase).Append("\r\n");

    /// <summary>The standard reason phrase of a status code.</summary>
    public static string DefaultReason(int code) => code switch
    {
        100 => "Trying",
        180 => "Ringing",
        181 => "Call Is Being Forwarded",
        182 => "Queued",
        183 => "Session Progress",
        200 => "OK",
        202 => "Accepted",
        301 => "Moved Permanently",
        302 => "Moved Temporarily",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        413 => "Request Entity Too Large",
        415 => "Unsupported Media Type",
        416 => "Unsupported URI Scheme",
        420 => "Bad Extension",
        423 => "Interval Too Brief",
        480 => "Temporarily Unavailable",
        481 => "Call/Transaction Does Not Exist",
        482 => "Loop Detected",
        483 => "Too Many Hops",
        486 => "Busy Here",
        487 => "Request Terminated",
        488 => "Not Acceptable Here",
        491 => "Request Pending",
        500 => "Server Internal Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        504 => "Server Time-out",
        505 => "Version Not Supported",
        513 => "Message Too Large",
        600 => "Busy Everywhere",
        603 => "Decline",
        _ => code switch
        {
            < 200 => "Session Progress",
            < 300 => "OK",
            < 400 => "Redirect",
            < 500 => "Client Error",
            < 600 => "Server Error",
            _ => "Global Failure",
        },
    };
}

/// <summary>Transport protocol of a SIP connection.</summary>
public enum SipProtocol
{
    /// <summary>UDP datagrams.</summary>
    Udp,
    /// <summary>TCP stream.</summary>
    Tcp,
    /// <summary>WebSocket (RFC 7118), one SIP message per WebSocket message.</summary>
    Ws,
    /// <summary>Secure WebSocket (RFC 7118 over TLS, terminated by the web host).</summary>
    Wss,
    /// <summary>TLS over TCP (RFC 3261 §26.2, RFC 5630), on its own port.</summary>
    Tls,
}

/// <summary>What the transport rules need to know about a <see cref="SipProtocol"/>.</summary>
public static class SipProtocols
{
    /// <summary>True for the stream and message transports (TCP, WS, WSS): no retransmissions (RFC 3261 §17), responses go back down the connection.</summary>
    public static bool IsReliable(this SipProtocol protocol) => protocol != SipProtocol.Udp;

    /// <summary>True for WebSocket (WS or WSS): the peer can only be reached over the connection it opened.</summary>
    public static bool IsWebSocket(this SipProtocol protocol) => protocol is SipProtocol.Ws or SipProtocol.Wss;

    /// <summary>The transport token of a Via header (RFC 3261 §20.42, RFC 7118 §5.1): UDP, TCP, WS, WSS.</summary>
    public static string ViaName(this SipProtocol protocol) => protocol switch
    {
        SipProtocol.Udp => "UDP",
        SipProtocol.Tcp => "TCP",
        SipProtocol.Ws => "WS",
        SipProtocol.Wss => "WSS",
        SipProtocol.Tls => "TLS",
    };

    /// <summary>The <c>transport</c> URI parameter (RFC 3261 §19.1.1, RFC 7118 §5.2), or null for UDP (the default).</summary>
    public static string? UriTransport(this SipProtocol protocol) => protocol switch
    {
        SipProtocol.Udp => null,
        SipProtocol.Tcp => "tcp",
        SipProtocol.Ws => "ws",
        SipProtocol.Wss => "wss",
        SipProtocol.Tls => "tls",
    };

    /// <summary>True when the hop is encrypted (TLS, or a WebSocket the web host took over TLS): what a <c>sips:</c> URI needs (RFC 5630 §3.1.3).</summary>
    public static bool IsSecure(this SipProtocol protocol) => protocol is SipProtocol.Tls or SipProtocol.Wss;
}

/// <summary>
/// One connection of a connection-oriented transport (a WebSocket or TCP connection): a flow in the sense of
/// RFC 5626 §3. Registrations whose contacts can only be reached over it are bound to it and end with it.
/// </summary>
public sealed class SipConnection
{
    private volatile bool closed;

    internal SipConnection(SipProtocol protocol, System.Net.IPEndPoint remote, string? authenticatedUser)
    {
        Protocol = protocol;
        RemoteEndPoint = remote;
        AuthenticatedUser = authenticatedUser;
    }

    /// <summary>The connection's transport.</summary>
    public SipProtocol Protocol { get; }

    /// <summary>The peer's address.</summary>
    public System.Net.IPEndPoint RemoteEndPoint { get; }

    /// <summary>
    /// The user the host authenticated when it accepted the connection (the web sign-in's bearer token for a
    /// browser), or null. A REGISTER over this connection for that user's address of record needs no digest.
    /// </summary>
    public string? AuthenticatedUser { get; }

    /// <summary>False once the connection closed.</summary>
    public bool IsOpen => !closed;

    internal void MarkClosed() => closed = true;

    /// <inheritdoc/>
    public override string ToString() => $"{Protocol.ViaName()} {RemoteEndPoint}";
}

/// <summary>Where a message was received from (or is to be sent to).</summary>
public sealed record SipSource(SipProtocol Protocol, System.Net.IPEndPoint RemoteEndPoint, System.Net.IPEndPoint LocalEndPoint)
{
    /// <summary>The connection the message came over (connection-oriented transports), or null (UDP).</summary>
    public SipConnection? Connection { get; init; }
}

using System.Globalization;
using System.Text;

namespace ContactCenter.Sip.Message;

/// <summary>What kind of fault a parse found.</summary>
public enum SipParseErrorKind
{
    /// <summary>A stream needs more bytes before a message is complete (not a fault).</summary>
    Incomplete,
    /// <summary>Nothing but CRLF keep-alives.</summary>
    KeepAlive,
    /// <summary>The message is malformed (answer 400 when it is a request).</summary>
    Malformed,
    /// <summary>The SIP version is not 2.0 (answer 505).</summary>
    UnsupportedVersion,
    /// <summary>The message or a header is larger than the limits (answer 513 or drop).</summary>
    TooLarge,
    /// <summary>Content-Length framing is broken; a stream cannot be resynchronised.</summary>
    Framing,
}

/// <summary>A parse failure: what is malformed, the status a UAS should answer, and the message as far as it could be read.</summary>
public sealed class SipParseError
{
    /// <summary>The kind of fault.</summary>
    public required SipParseErrorKind Kind { get; init; }
    /// <summary>Human-readable description naming the malformed element.</summary>
    public required string Description { get; init; }
    /// <summary>Status code a UAS answers with (400, 501, 505, 513).</summary>
    public int StatusCode { get; init; } = 400;
    /// <summary>The message with its headers split but not validated, when the start line and headers could be read.</summary>
    public SipMessage? Partial { get; init; }

    /// <inheritdoc/>
    public override string ToString() => $"{Kind}: {Description}";
}

/// <summary>Result of a parse: a message or an error, and how many bytes were consumed.</summary>
public readonly record struct SipParseResult(SipMessage? Message, SipParseError? Error, int BytesConsumed)
{
    /// <summary>True when a valid message was parsed.</summary>
    public bool IsSuccess => Message is not null && Error is null;
}

/// <summary>Size limits the parser enforces.</summary>
public sealed record SipParserLimits
{
    /// <summary>Default limits.</summary>
    public static readonly SipParserLimits Default = new();
    /// <summary>Largest message (start line, headers and body).</summary>
    public int MaxMessageSize { get; init; } = 65_535;
    /// <summary>Most header fields in a message.</summary>
    public int MaxHeaderCount { get; init; } = 256;
    /// <summary>Longest single header field (with folding).</summary>
    public int MaxHeaderLength { get; init; } = 16_384;
}

/// <summary>
/// Parser for SIP messages (RFC 3261 §7, §25). Works from a byte span; never throws for bad input:
/// every fault is a <see cref="SipParseError"/> naming what is malformed.
/// </summary>
public static class SipParser
{
    private static readonly HashSet<string> KnownMethods =
    [
        "INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER", "INFO", "UPDATE", "PRACK", "SUBSCRIBE",
        "NOTIFY", "MESSAGE", "REFER", "PUBLISH",
    ];

    private static readonly (SipHeaderId Id, string Name)[] RequiredSingle =
    [
        (SipHeaderId.From, "From"), (SipHeaderId.To, "To"), (SipHeaderId.CallId, "Call-ID"), (SipHeaderId.CSeq, "CSeq"),
    ];

    /// <summary>True for methods the stack recognises (others are extension methods, answered 501).</summary>
    public static bool IsKnownMethod(string method) => KnownMethods.Contains(method);

    /// <summary>Parses one UDP datagram: the datagram ends the message; bytes past Content-Length are ignored (§18.3).</summary>
    public static SipParseResult ParseDatagram(ReadOnlySpan<byte> data, SipParserLimits? limits = null)
    {
        try
        {
            return Parse(data, stream: false, limits ?? SipParserLimits.Default);
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentException or IndexOutOfRangeException or DecoderFallbackException)
        {
            return new(null, new SipParseError { Kind = SipParseErrorKind.Malformed, Description = "unparseable message: " + ex.Message }, data.Length);
        }
    }

    /// <summary>
    /// Parses the next message from a TCP stream buffer. Leading CRLF keep-alives are consumed; returns
    /// <see cref="SipParseErrorKind.Incomplete"/> when more bytes are needed. Content-Length is required.
    /// </summary>
    public static SipParseResult ParseStream(ReadOnlySpan<byte> data, SipParserLimits? limits = null)
    {
        try
        {
            return Parse(data, stream: true, limits ?? SipParserLimits.Default);
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentException or IndexOutOfRangeException or DecoderFallbackException)
        {
            return new(null, new SipParseError { Kind = SipParseErrorKind.Framing, Description = "unparseable message: " + ex.Message }, data.Length);
        }
    }

    /// <summary>Parses a complete message held in a string (tests, tools).</summary>
    public static SipParseResult Parse(string text) => ParseDatagram(Encoding.UTF8.GetBytes(text));

    private static SipParseResult Fail(SipParseErrorKind kind, string description, int consumed, SipMessage? partial = null, int status = 400) =>
        new(null, new SipParseError { Kind = kind, Description = description, StatusCode = status, Partial = partial }, consumed);

    private static SipParseResult Parse(ReadOnlySpan<byte> data, bool stream, SipParserLimits limits)
    {
        var pos = 0;
        while (pos < data.Length && data[pos] is (byte)'\r' or (byte)'\n')
        {
            pos++;
        }
        if (pos == data.Length)
        {
            return Fail(stream ? SipParseErrorKind.Incomplete : SipParseErrorKind.KeepAlive, "keep-alive", pos);
        }
        var h = data[pos..];
        var crlf = h.IndexOf("\r\n\r\n"u8);
        var lf = h.IndexOf("\n\n"u8);
        int headerBlock, bodyStart;
        var terminated = true;
        if (crlf >= 0 && (lf < 0 || crlf + 1 <= lf))
        {
            headerBlock = crlf + 2;
            bodyStart = crlf + 4;
        }
        else if (lf >= 0)
        {
            headerBlock = lf + 1;
            bodyStart = lf + 2;
        }
        else
        {
            if (stream)
            {
                return h.Length > limits.MaxMessageSize
                    ? Fail(SipParseErrorKind.TooLarge, "header section exceeds the message size limit", data.Length, status: 513)
                    : Fail(SipParseErrorKind.Incomplete, "header section incomplete", pos);
            }
            terminated = false;
            headerBlock = h.Length;
            bodyStart = h.Length;
        }
        if (headerBlock > limits.MaxMessageSize)
        {
            return Fail(SipParseErrorKind.TooLarge, "header section exceeds the message size limit", data.Length, status: 513);
        }

        // Start line.
        var lineEnd = h[..headerBlock].IndexOf((byte)'\n');
        if (lineEnd < 0)
        {
            lineEnd = headerBlock;
        }
        var startLineLen = lineEnd > 0 && h[lineEnd - 1] == (byte)'\r' ? lineEnd - 1 : lineEnd;
        var startLine = Encoding.UTF8.GetString(h[..startLineLen]);

        // Header lines (offsets relative to pos).
        var headers = new SipHeaders(16);
        var i = lineEnd + 1;
        string? headerError = null;
        var current = -1;
        while (i < headerBlock)
        {
            var nl = h[i..headerBlock].IndexOf((byte)'\n');
            var end = nl < 0 ? headerBlock : i + nl;
            var contentEnd = end > i && h[end - 1] == (byte)'\r' ? end - 1 : end;
            var next = nl < 0 ? headerBlock : end + 1;
            if (h[i] is (byte)' ' or (byte)'\t')
            {
                if (current < 0)
                {
                    headerError ??= "continuation line before the first header";
                }
                else
                {
                    ref var e = ref headers[current];
                    e.ValueLength = TrimEnd(h, e.ValueStart, contentEnd) - e.ValueStart;
                    e.RawLength = next - e.RawStart;
                    e.Folded = true;
                    if (e.RawLength > limits.MaxHeaderLength)
                    {
                        return Fail(SipParseErrorKind.TooLarge, "a header field exceeds the size limit", data.Length, status: 513);
                    }
                }
                i = next;
                continue;
            }
            var line = h[i..contentEnd];
            var colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                headerError ??= $"header line {headers.Count + 1} has no name and colon";
                i = next;
                continue;
            }
            var nameEnd = colon;
            while (nameEnd > 0 && line[nameEnd - 1] is (byte)' ' or (byte)'\t')
            {
                nameEnd--;
            }
            var name = line[..nameEnd];
            var nameOk = nameEnd > 0;
            foreach (var b in name)
            {
                if (!SipSyntax.IsTokenChar(b))
                {
                    nameOk = false;
                    break;
                }
            }
            if (!nameOk)
            {
                headerError ??= $"header name '{Encoding.UTF8.GetString(name)}' is not a token";
            }
            var vs = colon + 1;
            while (vs < line.Length && line[vs] is (byte)' ' or (byte)'\t')
            {
                vs++;
            }
            if (headers.Count >= limits.MaxHeaderCount)
            {
                return Fail(SipParseErrorKind.TooLarge, "too many header fields", data.Length, status: 513);
            }
            if (next - i > limits.MaxHeaderLength)
            {
                return Fail(SipParseErrorKind.TooLarge, "a header field exceeds the size limit", data.Length, status: 513);
            }
            headers.AddRaw(new SipHeaders.Entry
            {
                Id = SipHeaderNames.Lookup(name),
                RawStart = i,
                RawLength = next - i,
                NameStart = i,
                NameLength = nameEnd,
                ValueStart = i + vs,
                ValueLength = TrimEnd(h, i + vs, contentEnd) - (i + vs),
            });
            current = headers.Count - 1;
            i = next;
        }

        // Content-Length framing, read straight from the bytes.
        var clCount = 0;
        long contentLength = -1;
        string? clError = null;
        for (var k = 0; k < headers.Count; k++)
        {
            ref var e = ref headers[k];
            if (e.Id != SipHeaderId.ContentLength)
            {
                continue;
            }
            clCount++;
            var v = h.Slice(e.ValueStart, e.ValueLength);
            if (v.IsEmpty || !TryParseDigits(v, out var n))
            {
                clError = "Content-Length is not a non-negative number";
            }
            else if (contentLength >= 0 && n != contentLength)
            {
                clError = "multiple Content-Length values disagree";
            }
            else
            {
                contentLength = n;
            }
        }
        if (clCount > 1)
        {
            clError ??= "multiple Content-Length headers";
        }
        int total;
        var available = h.Length - bodyStart;
        string? framingError = null;
        if (stream)
        {
            framingError = clError ?? (contentLength < 0 ? "Content-Length is required on a stream transport" : null);
            if (framingError is not null)
            {
                total = bodyStart;
            }
            else if (bodyStart + contentLength > limits.MaxMessageSize)
            {
                return Fail(SipParseErrorKind.TooLarge, "message exceeds the size limit", data.Length, status: 513);
            }
            else if (available < contentLength)
            {
                return Fail(SipParseErrorKind.Incomplete, "body incomplete", pos);
            }
            else
            {
                total = bodyStart + (int)contentLength;
            }
        }
        else
        {
            if (clError is null && contentLength > available)
            {
                clError = $"Content-Length {contentLength} is larger than the {Math.Max(available, 0)} bytes received";
            }
            total = clError is null && contentLength >= 0 ? bodyStart + (int)contentLength : h.Length;
            if (total > limits.MaxMessageSize)
            {
                return Fail(SipParseErrorKind.TooLarge, "message exceeds the size limit", data.Length, status: 513);
            }
        }
        var consumed = stream ? pos + total : data.Length;
        var raw = h[..Math.Max(total, bodyStart > h.Length ? h.Length : total)].ToArray();
        headers.Raw = raw;

        // Start line semantics.
        SipMessage message;
        string? startError = null;
        var status = 400;
        var kind = SipParseErrorKind.Malformed;
        if (startLine.StartsWith("SIP/", StringComparison.Ordinal))
        {
            var sp1 = startLine.IndexOf(' ', StringComparison.Ordinal);
            var code = 0;
            var reason = "";
            if (sp1 < 0 || startLine.Length < sp1 + 4)
            {
                startError = "status line is malformed";
            }
            else
            {
                if (startLine[..sp1] != "SIP/2.0")
                {
                    startError = "response SIP version is not SIP/2.0";
                }
                var codeText = startLine.AsSpan(sp1 + 1, 3);
                if (!int.TryParse(codeText, NumberStyles.None, CultureInfo.InvariantCulture, out code) || code < 100 || code > 699
                    || (startLine.Length > sp1 + 4 && startLine[sp1 + 4] != ' '))
                {
                    startError ??= "status code is not a number from 100 to 699";
                    code = 0;
                }
                reason = startLine.Length > sp1 + 5 ? startLine[(sp1 + 5)..] : "";
            }
            message = new SipResponse { StatusCode = code, ReasonPhrase = reason };
        }
        else
        {
            var parts = startLine.Split(' ');
            var method = parts[0];
            SipUri? uri = null;
            if (parts.Length != 3 || parts[0].Length == 0 || parts[1].Length == 0 || parts[2].Length == 0)
            {
                startError = "request line must be Method SP Request-URI SP SIP-Version (single spaces)";
            }
            else if (!SipSyntax.IsToken(method))
            {
                startError = "request method is not a token";
            }
            else if (!IsSipVersion(parts[2]))
            {
                startError = "request line has no SIP version";
            }
            else if (!SipUri.TryParse(parts[1], out uri, out var ue))
            {
                startError = "Request-URI: " + ue;
            }
            else if (uri.IsSip && uri.Headers is not null)
            {
                startError = "Request-URI must not contain headers";
            }
            else if (!string.Equals(parts[2], "SIP/2.0", StringComparison.OrdinalIgnoreCase))
            {
                startError = $"SIP version {parts[2]} is not supported";
                status = 505;
                kind = SipParseErrorKind.UnsupportedVersion;
            }
            message = new SipRequest { Method = method, RequestUri = uri ?? new SipUri { Scheme = "invalid", Opaque = "-" } };
        }
        message.AdoptHeaders(headers);
        message.Body = total > bodyStart ? raw.AsMemory(bodyStart, total - bodyStart) : ReadOnlyMemory<byte>.Empty;
        if (framingError is not null)
        {
            return Fail(SipParseErrorKind.Framing, framingError, data.Length, message);
        }
        if (startError is not null)
        {
            return Fail(kind, startError, consumed, message, status);
        }
        if (headerError is not null)
        {
            return Fail(SipParseErrorKind.Malformed, headerError, consumed, message);
        }
        if (!terminated)
        {
            return Fail(SipParseErrorKind.Malformed, "header section is not ended by an empty line", consumed, message);
        }
        if (clError is not null)
        {
            return Fail(stream ? SipParseErrorKind.Framing : SipParseErrorKind.Malformed, clError, consumed, message);
        }
        var semanticError = Validate(message, out status);
        return semanticError is not null
            ? Fail(SipParseErrorKind.Malformed, semanticError, consumed, message, status)
            : new(message, null, consumed);
    }

    private static bool IsSipVersion(string v) =>
        v.Length >= 7 && v.StartsWith("SIP/", StringComparison.OrdinalIgnoreCase) && char.IsAsciiDigit(v[4]) && v.Contains('.', StringComparison.Ordinal);

    private static int TrimEnd(ReadOnlySpan<byte> h, int start, int end)
    {
        while (end > start && h[end - 1] is (byte)' ' or (byte)'\t')
        {
            end--;
        }
        return end;
    }

    private static bool TryParseDigits(ReadOnlySpan<byte> v, out long n)
    {
        n = 0;
        foreach (var b in v)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }
            n = (n * 10) + (b - '0');
            if (n > int.MaxValue)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Checks the mandatory headers and fills the typed cache. Returns an error text or null.</summary>
    private static string? Validate(SipMessage m, out int status)
    {
        status = 400;
        var hs = m.Headers;
        foreach (var (id, name) in RequiredSingle)
        {
            var n = hs.CountOf(id);
            if (n == 0)
            {
                return $"required header {name} is missing";
            }
            if (n > 1)
            {
                return $"header {name} appears more than once";
            }
        }
        if (hs.CountOf(SipHeaderId.Via) == 0)
        {
            return "required header Via is missing";
        }
        if (hs.CountOf(SipHeaderId.MaxForwards) > 1)
        {
            return "header Max-Forwards appears more than once";
        }
        if (hs.CountOf(SipHeaderId.ContentType) > 1)
        {
            return "header Content-Type appears more than once";
        }
        var vias = new List<SipVia>(2);
        List<SipNameAddress>? contacts = null;
        SipNameAddress? from = null;
        SipNameAddress? to = null;
        for (var k = 0; k < hs.Count; k++)
        {
            var id = hs.IdAt(k);
            switch (id)
            {
                case SipHeaderId.Via:
                {
                    var v = hs.ValueAt(k);
                    foreach (var (s, l) in SipSyntax.SplitCommas(v))
                    {
                        if (!SipVia.TryParse(v.AsSpan(s, l).Trim(), out var via, out var e))
                        {
                            return e;
                        }
                        vias.Add(via);
                    }
                    break;
                }
                case SipHeaderId.From:
                case SipHeaderId.To:
                {
                    if (!SipNameAddress.TryParse(hs.ValueAt(k), out var a, out var e))
                    {
                        return (id == SipHeaderId.From ? "From: " : "To: ") + e;
                    }
                    if (id == SipHeaderId.From)
                    {
                        from = a;
                    }
                    else
                    {
                        to = a;
                    }
                    break;
                }
                case SipHeaderId.Contact:
                {
                    var v = hs.ValueAt(k);
                    if (v.Trim() == "*")
                    {
                        break;
                    }
                    contacts ??= new List<SipNameAddress>(1);
                    foreach (var (s, l) in SipSyntax.SplitCommas(v))
                    {
                        if (!SipNameAddress.TryParse(v.AsSpan(s, l).Trim(), out var a, out var e))
                        {
                            return "Contact: " + e;
                        }
                        contacts.Add(a);
                    }
                    break;
                }
                case SipHeaderId.Route:
                case SipHeaderId.RecordRoute:
                {
                    var v = hs.ValueAt(k);
                    foreach (var (s, l) in SipSyntax.SplitCommas(v))
                    {
                        if (!SipNameAddress.TryParse(v.AsSpan(s, l).Trim(), out _, out var e))
                        {
                            return SipHeaderNames.CanonicalName(id) + ": " + e;
                        }
                    }
                    break;
                }
                case SipHeaderId.CallId:
                {
                    var v = hs.ValueAt(k);
                    if (v.Length == 0 || v.AsSpan().IndexOfAny(' ', '\t') >= 0)
                    {
                        return "Call-ID is empty or contains whitespace";
                    }
                    break;
                }
                case SipHeaderId.MaxForwards:
                {
                    var v = hs.ValueAt(k);
                    if (!uint.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                    {
                        return "Max-Forwards is not a number";
                    }
                    break;
                }
                case SipHeaderId.Date:
                {
                    var v = hs.ValueAt(k);
                    if (!v.EndsWith(" GMT", StringComparison.Ordinal) ||
                        !DateTime.TryParseExact(v, "r", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out _))
                    {
                        return "Date is not an RFC 1123 date in GMT";
                    }
                    break;
                }
                default:
                    break;
            }
        }
        if (!SipMessage.ParseCSeq(hs.Get(SipHeaderId.CSeq), out var cseq, out var ce))
        {
            return ce;
        }
        if (m is SipRequest req && cseq.Method != req.Method)
        {
            status = IsKnownMethod(req.Method) ? 400 : 501;
            return $"CSeq method {cseq.Method} does not match the request method {req.Method}";
        }
        m.SetTyped(vias, from!, to!, cseq, contacts is null && !m.IsContactWildcard ? [] : contacts ?? (IReadOnlyList<SipNameAddress>)[]);
        return null;
    }
}

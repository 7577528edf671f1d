using System.Text;
using ContactCenter.Sip.Message;

namespace ContactCenter.Sip.Tests.Message;

public class SipParserTests
{
    private const string Invite =
        "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n" +
        "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;rport\r\n" +
        "v: SIP/2.0/TCP [2001:db8::9:1]:5070;branch=z9hG4bKabc;received=[2001:db8::9:255]\r\n" +
        "Max-Forwards: 70\r\n" +
        "t: Bob <sip:bob@biloxi.example.com>\r\n" +
        "f: \"Alice \\\"A\\\" Liddell\" <sip:alice@atlanta.example.com>;tag=1928301774\r\n" +
        "i: a84b4c76e66710@pc33.atlanta.example.com\r\n" +
        "CSeq: 314159 INVITE\r\n" +
        "m: <sip:alice@pc33.atlanta.example.com>;expires=60, \"Second, one\" <sips:alice@[2001:db8::1]:5061;transport=tcp>;q=0.5\r\n" +
        "X-Custom:   kept   as is\r\n" +
        "Subject: folded\r\n  across lines\r\n" +
        "c: application/sdp\r\n" +
        "l: 5\r\n" +
        "\r\n" +
        "v=0\r\n";

    private static SipRequest ParseRequest(string text)
    {
        var r = SipParser.Parse(text);
        Assert.True(r.IsSuccess, r.Error?.ToString());
        return Assert.IsType<SipRequest>(r.Message);
    }

    [Fact]
    public void Compact_names_map_to_the_same_headers_as_long_names()
    {
        var m = ParseRequest(Invite);
        Assert.Equal("a84b4c76e66710@pc33.atlanta.example.com", m.CallId);
        Assert.Equal("Bob", m.To.DisplayName);
        Assert.Equal("application/sdp", m.ContentType);
        Assert.Equal(2, m.Contacts.Count);
    }

    [Fact]
    public void Quoted_display_names_unescape_and_tags_are_parameters()
    {
        var m = ParseRequest(Invite);
        Assert.Equal("Alice \"A\" Liddell", m.From.DisplayName);
        Assert.Equal("1928301774", m.From.Tag);
        Assert.Null(m.To.Tag);
    }

    [Fact]
    public void Via_values_from_several_fields_keep_order_with_ipv6_received_and_rport()
    {
        var m = ParseRequest(Invite);
        Assert.Equal(2, m.Vias.Count);
        Assert.Equal("UDP", m.Vias[0].Transport);
        Assert.True(m.Vias[0].HasRport);
        Assert.Null(m.Vias[0].Rport);
        Assert.Equal("z9hG4bK776asdhds", m.Vias[0].Branch);
        Assert.Equal("[2001:db8::9:1]", m.Vias[1].Host);
        Assert.Equal(5070, m.Vias[1].Port);
        Assert.Equal("[2001:db8::9:255]", m.Vias[1].Received);
    }

    [Fact]
    public void Multi_valued_contact_splits_on_commas_outside_quotes()
    {
        var m = ParseRequest(Invite);
        Assert.Equal("60", m.Contacts[0].Parameters.Get("expires"));
        Assert.Equal("Second, one", m.Contacts[1].DisplayName);
        Assert.Equal("sips", m.Contacts[1].Uri.Scheme);
        Assert.Equal("[2001:db8::1]", m.Contacts[1].Uri.Host);
        Assert.Equal(5061, m.Contacts[1].Uri.Port);
        Assert.Equal("tcp", m.Contacts[1].Uri.Transport);
        Assert.Equal("0.5", m.Contacts[1].Parameters.Get("q"));
    }

    [Fact]
    public void Folded_values_unfold_to_single_spaces()
    {
        var m = ParseRequest(Invite);
        Assert.Equal("folded across lines", m.Headers.Get("Subject"));
        Assert.Equal("folded across lines", m.Headers.Get("s"));
    }

    [Fact]
    public void Unknown_headers_are_written_back_verbatim()
    {
        var m = ParseRequest(Invite);
        Assert.Equal("kept   as is", m.Headers.Get("x-custom"));
        var text = Encoding.UTF8.GetString(m.ToBytes());
        Assert.Contains("X-Custom:   kept   as is\r\n", text, StringComparison.Ordinal);
        Assert.Contains("Content-Length: 5\r\n", text, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\nv=0\r\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Body_is_framed_by_content_length_in_a_datagram()
    {
        var m = ParseRequest(Invite + "trailing garbage");
        Assert.Equal("v=0\r\n", m.BodyText);
    }

    [Theory]
    [InlineData("sip:alice:secret@example.com:5080;transport=tcp;lr?subject=hi", "alice", "secret", "example.com", 5080)]
    [InlineData("sips:[2001:db8::10]:5061", null, null, "[2001:db8::10]", 5061)]
    [InlineData("sip:user;par=u%40example.net@example.com", "user;par=u%40example.net", null, "example.com", null)]
    [InlineData("sip:%61lice@atlanta.com;maddr=239.255.255.1;ttl=15", "%61lice", null, "atlanta.com", null)]
    public void Sip_uris_parse_user_password_host_port(string text, string? user, string? password, string host, int? port)
    {
        Assert.True(SipUri.TryParse(text, out var uri, out var error), error);
        Assert.Equal(user, uri.User);
        Assert.Equal(password, uri.Password);
        Assert.Equal(host, uri.Host);
        Assert.Equal(port, uri.Port);
        Assert.Equal(text, uri.ToString());
    }

    [Fact]
    public void Uri_parameters_and_headers_are_separated()
    {
        var uri = SipUri.Parse("sip:alice@example.com;transport=TCP;lr?subject=project%20x&priority=urgent");
        Assert.Equal("tcp", uri.Transport);
        Assert.True(uri.IsLooseRouter);
        Assert.Equal("subject=project%20x&priority=urgent", uri.Headers);
        Assert.Equal("sip:alice@example.com", uri.ToAddressOfRecord());
        Assert.Equal("sip:alice@example.com", SipUri.Parse("sip:%61lice@EXAMPLE.com").ToAddressOfRecord());
    }

    [Fact]
    public void Tel_uris_keep_number_and_parameters()
    {
        var uri = SipUri.Parse("tel:+1-201-555-0123;phone-context=example.com");
        Assert.Equal("tel", uri.Scheme);
        Assert.Equal("+1-201-555-0123", uri.User);
        Assert.Equal("example.com", uri.Parameters.Get("phone-context"));
        Assert.False(uri.IsSip);
    }

    [Theory]
    [InlineData("sip:2001:db8::10", "port")]
    [InlineData("sip:user@host:99999", "port")]
    [InlineData("sip:user@exa mple.com", "whitespace")]
    [InlineData("<sip:user@example.com>", "scheme")]
    [InlineData("sip:user@[2001:db8::10", "IPv6")]
    public void Malformed_uris_give_an_error_naming_the_fault(string text, string fault)
    {
        Assert.False(SipUri.TryParse(text, out _, out var error));
        Assert.Contains(fault, error, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("SIP/2.0 180 Ringing", 180, "Ringing")]
    [InlineData("SIP/2.0 100 ", 100, "")]
    [InlineData("SIP/2.0 200 OK then some", 200, "OK then some")]
    public void Status_lines_parse(string line, int code, string reason)
    {
        var r = SipParser.Parse(line + "\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n\r\n");
        Assert.True(r.IsSuccess, r.Error?.ToString());
        var resp = Assert.IsType<SipResponse>(r.Message);
        Assert.Equal(code, resp.StatusCode);
        Assert.Equal(reason, resp.ReasonPhrase);
    }

    [Theory]
    [InlineData("Content-Length: -1", "Content-Length")]
    [InlineData("Content-Length: 99", "larger")]
    [InlineData("Max-Forwards: many", "Max-Forwards")]
    [InlineData("Via: SIP/2.0/UDP", "Via")]
    [InlineData("To: <sip:a@b>, <sip:c@d>", "To")]
    [InlineData("Bad Header: x", "header name")]
    public void Malformed_headers_are_reported_with_what_is_wrong(string extra, string fault)
    {
        var text = "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n" + extra + "\r\n\r\n";
        var r = SipParser.Parse(text);
        Assert.False(r.IsSuccess);
        Assert.Contains(fault, r.Error!.Description, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(400, r.Error.StatusCode);
        Assert.NotNull(r.Error.Partial);
    }

    [Fact]
    public void Other_sip_versions_get_505()
    {
        var r = SipParser.Parse("OPTIONS sip:a@b SIP/3.0\r\nVia: SIP/3.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n");
        Assert.Equal(SipParseErrorKind.UnsupportedVersion, r.Error!.Kind);
        Assert.Equal(505, r.Error.StatusCode);
    }

    [Fact]
    public void Oversized_messages_are_refused_by_the_limits()
    {
        var big = "OPTIONS sip:a@b SIP/2.0\r\nX: " + new string('a', 70_000) + "\r\n\r\n";
        var r = SipParser.ParseDatagram(Encoding.ASCII.GetBytes(big));
        Assert.Equal(SipParseErrorKind.TooLarge, r.Error!.Kind);
        var many = "OPTIONS sip:a@b SIP/2.0\r\n" + string.Concat(Enumerable.Repeat("X: y\r\n", 300)) + "\r\n";
        Assert.Equal(SipParseErrorKind.TooLarge, SipParser.Parse(many).Error!.Kind);
    }

    [Fact]
    public void Stream_parse_consumes_keepalives_and_waits_for_the_body()
    {
        var msg = Encoding.ASCII.GetBytes("\r\n\r\n" + Invite);
        var partial = SipParser.ParseStream(msg.AsSpan(0, msg.Length - 2));
        Assert.Equal(SipParseErrorKind.Incomplete, partial.Error!.Kind);
        Assert.Equal(4, partial.BytesConsumed);
        var two = msg.Concat(Encoding.ASCII.GetBytes("\r\n")).Concat(msg).ToArray();
        var first = SipParser.ParseStream(two);
        Assert.True(first.IsSuccess, first.Error?.ToString());
        Assert.Equal(msg.Length, first.BytesConsumed);
        var second = SipParser.ParseStream(two.AsSpan(first.BytesConsumed));
        Assert.True(second.IsSuccess, second.Error?.ToString());
        Assert.Equal(two.Length - first.BytesConsumed, second.BytesConsumed);
        Assert.Equal("v=0\r\n", second.Message!.BodyText);
    }

    [Fact]
    public void Stream_without_content_length_is_a_framing_error()
    {
        var r = SipParser.ParseStream(Encoding.ASCII.GetBytes("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n"));
        Assert.Equal(SipParseErrorKind.Framing, r.Error!.Kind);
    }

    [Fact]
    public void Built_requests_serialise_with_content_length_and_reparse()
    {
        var req = new SipRequest { Method = "MESSAGE", RequestUri = SipUri.Parse("sip:bob@example.com") };
        req.Headers.Add("Via", "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKx1");
        req.Headers.Add("From", "<sip:alice@example.com>;tag=a");
        req.Headers.Add("To", "<sip:bob@example.com>");
        req.Headers.Add("Call-ID", "c1");
        req.Headers.Add("CSeq", "1 MESSAGE");
        req.Headers.Add("Content-Type", "text/plain");
        req.Body = Encoding.UTF8.GetBytes("héllo");
        var back = SipParser.ParseDatagram(req.ToBytes());
        Assert.True(back.IsSuccess, back.Error?.ToString());
        Assert.Equal("héllo", back.Message!.BodyText);
        Assert.Equal("6", back.Message.Headers.Get("Content-Length"));
    }

    [Fact]
    public void Responses_copy_the_mandatory_headers_and_add_a_to_tag()
    {
        var req = ParseRequest(Invite);
        var resp = SipMessageFactory.CreateResponse(req, 486);
        Assert.Equal(486, resp.StatusCode);
        Assert.Equal("Busy Here", resp.ReasonPhrase);
        Assert.Equal(2, resp.Vias.Count);
        Assert.Equal(req.CallId, resp.CallId);
        Assert.Equal(req.CSeq, resp.CSeq);
        Assert.NotNull(resp.To.Tag);
        Assert.Null(SipMessageFactory.CreateResponse(req, 100).To.Tag);
    }
}

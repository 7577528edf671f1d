using System.Net;
using ContactCenter.Sip.Auth;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.Registrar;
using ContactCenter.Sip.Transactions;
using ContactCenter.Sip.UserAgent;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ContactCenter.Sip.Tests.UserAgent;

/// <summary>
/// The endpoint's layers with the registrar and the transport injected: the UAS side (server) and the UAC side
/// (client) driven through a recording transport, with no socket.
/// </summary>
public class LayeringTests
{
    private static readonly IPEndPoint Phone = new(IPAddress.Parse("192.0.2.20"), 5062);

    private static (SipEndpoint Endpoint, RecordingTransport Transport) Create(SipRegistrar? registrar = null, TimeProvider? time = null)
    {
        var options = new SipEndpointOptions { ListenAddress = "127.0.0.1", Port = 5060 };
        var transport = new RecordingTransport();
        var endpoint = new SipEndpoint(options, registrar ?? SipRegistrar.ForEndpoint(options, (ContactCenter.Sip.Auth.ISipCredentialStore?)null, time ?? TimeProvider.System, NullLoggerFactory.Instance),
            NullLoggerFactory.Instance, time, [transport]);
        endpoint.Start();
        return (endpoint, transport);
    }

    private static string Register(string branch, uint cseq = 1, string? authorization = null) =>
        $"REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.20:5062;branch={branch};rport\r\nMax-Forwards: 70\r\n" +
        $"From: <sip:alice@127.0.0.1>;tag=r1\r\nTo: <sip:alice@127.0.0.1>\r\nCall-ID: reg-1\r\nCSeq: {cseq} REGISTER\r\n" +
        "Contact: <sip:alice@192.0.2.20:5062>\r\nExpires: 600\r\n" + (authorization is null ? "" : $"Authorization: {authorization}\r\n") + "Content-Length: 0\r\n\r\n";

    [Fact]
    public async Task A_register_goes_to_the_injected_registrar_and_the_answer_back_to_its_source()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-05T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var registrar = new SipRegistrar(new RegistrarOptions(), time, null, NullLogger<SipRegistrar>.Instance);
        var (endpoint, transport) = Create(registrar, time);
        await using var _ = endpoint;
        Assert.Same(registrar, endpoint.Registrar);

        transport.Deliver(Register("z9hG4bKreg1"), Phone);

        var (message, remote) = await transport.NextAsync();
        var ok = Assert.IsType<SipResponse>(message);
        Assert.Equal(200, ok.StatusCode);
        Assert.Equal(Phone, remote);
        var binding = Assert.Single(registrar.GetBindingsForUser("alice"));
        Assert.Equal("sip:alice@192.0.2.20:5062", binding.Contact.ToString());
        Assert.Equal(SipProtocol.Udp, binding.Source!.Protocol);
    }

    [Fact]
    public async Task An_injected_registrar_with_credentials_challenges_and_then_accepts_the_digest()
    {
        var options = new SipEndpointOptions { ListenAddress = "127.0.0.1", Port = 5060, DigestAlgorithms = "MD5" };
        var registrar = SipRegistrar.ForEndpoint(options, new InMemoryCredentials(("alice", "secret")), TimeProvider.System, NullLoggerFactory.Instance);
        var (endpoint, transport) = Create(registrar);
        await using var _ = endpoint;
        Assert.Same(registrar.Authenticator, endpoint.Authenticator);

        transport.Deliver(Register("z9hG4bKreg2"), Phone);
        var challenge = Assert.IsType<SipResponse>((await transport.NextAsync()).Message);
        Assert.Equal(401, challenge.StatusCode);
        var authorization = DigestClient.CreateAuthorization(challenge.Headers.Get("WWW-Authenticate")!, "REGISTER", "sip:127.0.0.1", "alice", "secret", 1, "c1")!;
        transport.Deliver(Register("z9hG4bKreg3", 2, authorization), Phone);

        Assert.Equal(200, Assert.IsType<SipResponse>((await transport.NextAsync()).Message).StatusCode);
        Assert.Single(registrar.GetBindingsForUser("alice"));
    }

    [Fact]
    public async Task A_call_challenged_with_401_is_sent_once_more_with_the_digest_then_acked()
    {
        var (endpoint, transport) = Create();
        await using var _ = endpoint;
        var call = endpoint.Call(new SipCallOptions
        {
            Target = SipUri.Parse("sip:+442079460018@192.0.2.30"),
            Destination = new SipDestination(SipProtocol.Udp, new IPEndPoint(IPAddress.Parse("192.0.2.30"), 5060)),
            Credentials = ("trunk", "secret"),
        });

        var first = Assert.IsType<SipRequest>((await transport.NextAsync()).Message);
        Assert.Equal("INVITE", first.Method);
        Assert.Null(first.Headers.Get("Authorization"));
        transport.Deliver(Respond(first, 401, "WWW-Authenticate: Digest realm=\"carrier\", nonce=\"n1\", algorithm=MD5, qop=\"auth\"\r\n"), Phone);

        // The 401's ACK (sent by the INVITE client transaction, §17.1.1.3), then the retry.
        var retry = Assert.IsType<SipRequest>((await transport.NextAsync(m => m is SipRequest { Method: "ACK" })).Message);
        Assert.Equal("INVITE", retry.Method);
        Assert.Equal(first.CallId, retry.CallId);
        Assert.Equal(first.CSeq.Number + 1, retry.CSeq.Number);
        Assert.Contains("username=\"trunk\"", retry.Headers.Get("Authorization"), StringComparison.Ordinal);
        Assert.NotEqual(first.TopVia!.Branch, retry.TopVia!.Branch);

        transport.Deliver(Respond(retry, 200, "Contact: <sip:carrier@192.0.2.30>\r\n", toTag: "callee"), Phone);
        var ack = Assert.IsType<SipRequest>((await transport.NextAsync()).Message);
        Assert.Equal("ACK", ack.Method);
        Assert.Equal(retry.CSeq.Number, ack.CSeq.Number);
        var result = await call.Completion.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(result.IsAnswered);
        Assert.Equal(1, endpoint.DialogCount);
    }

    [Fact]
    public async Task Cancel_after_ringing_sends_a_cancel_matching_the_invite()
    {
        var (endpoint, transport) = Create();
        await using var _ = endpoint;
        var call = endpoint.Call(new SipCallOptions
        {
            Target = SipUri.Parse("sip:agent@192.0.2.20:5062"),
            Destination = new SipDestination(SipProtocol.Udp, Phone),
            OnProvisional = (c, _) => c.Cancel(),
        });
        var invite = Assert.IsType<SipRequest>((await transport.NextAsync()).Message);
        transport.Deliver(Respond(invite, 180, "", toTag: "ring"), Phone);

        var cancel = Assert.IsType<SipRequest>((await transport.NextAsync()).Message);
        Assert.Equal("CANCEL", cancel.Method);
        Assert.Equal(invite.TopVia!.Branch, cancel.TopVia!.Branch);
        Assert.Equal(invite.CSeq.Number, cancel.CSeq.Number);
        transport.Deliver(Respond(cancel, 200, ""), Phone);
        transport.Deliver(Respond(invite, 487, "", toTag: "ring"), Phone);
        Assert.Equal(487, (await call.Completion.WaitAsync(TimeSpan.FromSeconds(5))).StatusCode);
    }

    [Fact]
    public async Task A_websocket_contact_resolves_to_its_transport_and_an_invalid_host_never_resolves()
    {
        var (endpoint, _) = Create();
        await using var _1 = endpoint;
        var ws = await endpoint.ResolveAsync(SipUri.Parse("sip:192.0.2.40:8080;transport=ws"));
        Assert.Equal((SipProtocol.Ws, 8080), (ws.Protocol, ws.EndPoint.Port));
        Assert.Equal(SipProtocol.Wss, (await endpoint.ResolveAsync(SipUri.Parse("sip:192.0.2.40;transport=wss"))).Protocol);
        // RFC 7118 §5.2: a browser's Contact host is in .invalid: reachable only over its connection, never looked up in DNS.
        var error = await Assert.ThrowsAsync<ContactCenter.Sip.Transport.SipTransportException>(() => endpoint.ResolveAsync(SipUri.Parse("sip:kz1m@df7jal23ls0d.invalid;transport=ws")));
        Assert.Contains(".invalid", error.Message, StringComparison.Ordinal);
    }

    private static string Respond(SipRequest request, int status, string extra, string? toTag = null)
    {
        var to = request.Headers.Get("To") + (toTag is null ? "" : ";tag=" + toTag);
        return $"SIP/2.0 {status} {SipResponse.DefaultReason(status)}\r\nVia: {request.Headers.Get("Via")}\r\nFrom: {request.Headers.Get("From")}\r\n" +
            $"To: {to}\r\nCall-ID: {request.CallId}\r\nCSeq: {request.Headers.Get("CSeq")}\r\n{extra}Content-Length: 0\r\n\r\n";
    }
}

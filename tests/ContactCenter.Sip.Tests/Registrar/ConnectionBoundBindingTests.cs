using System.Net;
using ContactCenter.Sip.Auth;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.Registrar;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ContactCenter.Sip.Tests.Registrar;

/// <summary>
/// Registrations bound to the connection they came over (RFC 7118 §5, RFC 5626 flows): which ones are, how they end,
/// and the sign-in a connection may carry instead of a digest.
/// </summary>
public class ConnectionBoundBindingTests
{
    private static readonly IPEndPoint Browser = new(IPAddress.Loopback, 40_001);
    private static readonly IPEndPoint WebHost = new(IPAddress.Loopback, 5080);
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));
    private readonly List<(string Aor, RegistrarBindingEndReason Reason)> ended = [];
    private uint cseq = 1;

    private SipRegistrar Create(ISipCredentialStore? credentials = null)
    {
        var registrar = new SipRegistrar(new RegistrarOptions(), time,
            credentials is null ? null : new DigestAuthenticator(new DigestOptions { Realm = "cc" }, credentials, time), NullLogger<SipRegistrar>.Instance);
        registrar.BindingEnded += (b, reason) => ended.Add((b.AddressOfRecord, reason));
        return registrar;
    }

    private static SipConnection Connection(SipProtocol protocol = SipProtocol.Ws, string? user = null, IPEndPoint? remote = null) =>
        new(protocol, remote ?? Browser, user);

    private SipRequest Register(string user, string contact, SipConnection? connection, string expires = "600", string callId = "reg-ws")
    {
        var protocol = connection?.Protocol ?? SipProtocol.Udp;
        var text = $"REGISTER sip:cc.example SIP/2.0\r\nVia: SIP/2.0/{protocol.ViaName()} df7jal23ls0d.invalid;branch=z9hG4bK{cseq}w;rport\r\n" +
                   $"From: <sip:{user}@cc.example>;tag=77\r\nTo: <sip:{user}@cc.example>\r\nCall-ID: {callId}\r\nCSeq: {cseq++} REGISTER\r\n" +
                   $"Contact: {contact}\r\nExpires: {expires}\r\nContent-Length: 0\r\n\r\n";
        var request = (SipRequest)SipParser.Parse(text).Message!;
        request.Source = new SipSource(protocol, connection?.RemoteEndPoint ?? Browser, WebHost) { Connection = connection };
        return request;
    }

    [Fact]
    public async Task Everything_registered_over_a_websocket_is_bound_to_it_and_goes_the_moment_it_closes()
    {
        var registrar = Create();
        var ws = Connection();
        var changed = new List<string>();
        registrar.BindingsChanged += changed.Add;
        var r = await registrar.HandleRegisterAsync(Register("alice", "<sip:kz1m@df7jal23ls0d.invalid;transport=ws>;expires=600", ws), CancellationToken.None);
        Assert.Equal(200, r.StatusCode);
        var binding = Assert.Single(registrar.GetBindingsForUser("alice"));
        Assert.Same(ws, binding.BoundTo);

        ws.MarkClosed();
        registrar.OnConnectionClosed(ws);

        Assert.Empty(registrar.GetBindingsForUser("alice"));
        Assert.Equal(0, registrar.LiveBindingCount);
        Assert.Equal([("sip:alice@cc.example", RegistrarBindingEndReason.ConnectionClosed)], ended);
        Assert.Equal(["sip:alice@cc.example", "sip:alice@cc.example"], changed);
    }

    [Theory]
    [InlineData("<sip:alice@q8vr.invalid;transport=tcp>", true)]
    [InlineData("<sip:alice@192.0.2.7:5062;transport=tcp;ob>", true)]
    [InlineData("<sip:alice@192.0.2.7:5062;transport=tcp>", false)]
    public async Task Over_tcp_only_a_contact_in_invalid_or_with_ob_is_bound_to_the_connection(string contact, bool bound)
    {
        var registrar = Create();
        var tcp = Connection(SipProtocol.Tcp);
        await registrar.HandleRegisterAsync(Register("alice", contact, tcp), CancellationToken.None);
        Assert.Equal(bound, registrar.GetBindingsForUser("alice").Single().BoundTo is not null);

        tcp.MarkClosed();
        registrar.OnConnectionClosed(tcp);
        Assert.Equal(bound ? 0 : 1, registrar.GetBindingsForUser("alice").Count);
    }

    [Fact]
    public async Task A_binding_made_after_its_connection_closed_is_removed_at_once()
    {
        // The credentials lookup is asynchronous: the connection may close before the binding is stored.
        var registrar = Create();
        var ws = Connection();
        ws.MarkClosed();
        registrar.OnConnectionClosed(ws);
        Assert.Equal(200, (await registrar.HandleRegisterAsync(Register("alice", "<sip:kz1m@x.invalid;transport=ws>", ws), CancellationToken.None)).StatusCode);
        Assert.Empty(registrar.GetBindingsForUser("alice"));
        Assert.Equal([("sip:alice@cc.example", RegistrarBindingEndReason.ConnectionClosed)], ended);
    }

    [Fact]
    public async Task A_new_flow_with_the_same_instance_and_reg_id_replaces_the_old_binding()
    {
        var registrar = Create();
        const string Contact = "<sip:kz1m@df7jal23ls0d.invalid;transport=ws>;reg-id=1;+sip.instance=\"<urn:uuid:0c1d0b9e-7c1f-4c44-9d83-4a3a7d1e1f10>\"";
        var first = Connection();
        var second = Connection(remote: new IPEndPoint(IPAddress.Loopback, 40_002));
        var ok = await registrar.HandleRegisterAsync(Register("alice", Contact, first), CancellationToken.None);
        // RFC 5626 §6: echoed, so the client finds its own binding in the answer.
        Assert.EndsWith(";expires=600;reg-id=1;+sip.instance=\"<urn:uuid:0c1d0b9e-7c1f-4c44-9d83-4a3a7d1e1f10>\"", ok.Headers.Get("Contact"), StringComparison.Ordinal);
        await registrar.HandleRegisterAsync(Register("alice", Contact.Replace("kz1m", "p0q9", StringComparison.Ordinal), second, callId: "reg-ws-2"), CancellationToken.None);

        var binding = Assert.Single(registrar.GetBindingsForUser("alice"));
        Assert.Same(second, binding.BoundTo);
        Assert.Equal("1", binding.RegId);
        first.MarkClosed();
        registrar.OnConnectionClosed(first);
        Assert.Single(registrar.GetBindingsForUser("alice"));
        Assert.Empty(ended);
    }

    [Fact]
    public async Task Unregistering_and_lapsing_are_reported_as_ended_with_their_reason()
    {
        var registrar = Create();
        await registrar.HandleRegisterAsync(Register("alice", "<sip:alice@192.0.2.7:5062>", null, callId: "a"), CancellationToken.None);
        await registrar.HandleRegisterAsync(Register("bob", "<sip:bob@192.0.2.8:5062>", null, expires: "60", callId: "b"), CancellationToken.None);
        await registrar.HandleRegisterAsync(Register("alice", "<sip:alice@192.0.2.7:5062>", null, expires: "0", callId: "a"), CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(1, registrar.PurgeExpired());
        Assert.Equal([("sip:alice@cc.example", RegistrarBindingEndReason.Unregistered), ("sip:bob@cc.example", RegistrarBindingEndReason.Expired)], ended);
    }

    [Fact]
    public async Task A_connection_signed_in_as_the_user_registers_without_a_digest_and_as_no_one_else()
    {
        var registrar = Create(new InMemoryCredentials(("alice", "s3cret"), ("bob", "pw")));
        var signedIn = Connection(user: "alice");
        Assert.Equal(200, (await registrar.HandleRegisterAsync(Register("alice", "<sip:kz1m@x.invalid;transport=ws>", signedIn), CancellationToken.None)).StatusCode);
        var refused = await registrar.HandleRegisterAsync(Register("bob", "<sip:kz1m@x.invalid;transport=ws>", signedIn, callId: "b"), CancellationToken.None);
        Assert.Equal(403, refused.StatusCode);
        Assert.Empty(registrar.GetBindingsForUser("bob"));

        // A connection nobody signed in is challenged as any phone is.
        var anonymous = Connection(remote: new IPEndPoint(IPAddress.Loopback, 40_003));
        Assert.Equal(401, (await registrar.HandleRegisterAsync(Register("alice", "<sip:zz@y.invalid;transport=ws>", anonymous, callId: "c"), CancellationToken.None)).StatusCode);
    }
}

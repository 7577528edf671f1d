using ContactCenter.Sip.Auth;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.Registrar;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ContactCenter.Sip.Tests.Auth;

public class DigestAndRegistrarTests
{
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));
    private readonly InMemoryCredentials creds = new(("alice", "s3cret"), ("bob", "pw"));
    private uint cseq = 1;

    private SipRegistrar Registrar(bool auth = true, IReadOnlyList<DigestAlgorithm>? algorithms = null) => new(
        new RegistrarOptions(), time,
        auth ? new DigestAuthenticator(new DigestOptions { Realm = "cc", Algorithms = algorithms ?? [DigestAlgorithm.Sha256, DigestAlgorithm.Md5] }, creds, time) : null,
        NullLogger<SipRegistrar>.Instance);

    private SipRequest Register(string user, string contacts, string? expires = null, string callId = "reg-1", string? authorization = null)
    {
        var text = $"REGISTER sip:cc.example SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.5:5062;branch=z9hG4bK{cseq}x\r\nFrom: <sip:{user}@cc.example>;tag=77\r\n" +
                   $"To: <sip:{user}@cc.example>\r\nCall-ID: {callId}\r\nCSeq: {cseq++} REGISTER\r\nContact: {contacts}\r\n" +
                   (expires is null ? "" : $"Expires: {expires}\r\n") + (authorization is null ? "" : $"Authorization: {authorization}\r\n") + "Content-Length: 0\r\n\r\n";
        var r = SipParser.Parse(text);
        Assert.True(r.IsSuccess, r.Error?.ToString());
        return (SipRequest)r.Message!;
    }

    private async Task<SipResponse> RegisterWithAuthAsync(SipRegistrar reg, string user, string password, string contacts, string? expires = null, int challengeIndex = 0)
    {
        var first = await reg.HandleRegisterAsync(Register(user, contacts, expires), CancellationToken.None);
        Assert.Equal(401, first.StatusCode);
        var challenge = first.Headers.GetAll("WWW-Authenticate")[challengeIndex];
        var auth = DigestClient.CreateAuthorization(challenge, "REGISTER", "sip:cc.example", user, password, 1, "abc123");
        return await reg.HandleRegisterAsync(Register(user, contacts, expires, authorization: auth), CancellationToken.None);
    }

    [Fact]
    public void Ha1_matches_rfc_2617_and_rfc_8760_definitions()
    {
        Assert.Equal("939e7578ed9e3c518a452acee763bce9", DigestHash.Ha1(DigestAlgorithm.Md5, "Mufasa", "testrealm@host.com", "Circle Of Life"));
        Assert.Equal(64, DigestHash.Ha1(DigestAlgorithm.Sha256, "Mufasa", "testrealm@host.com", "Circle Of Life").Length);
    }

    [Fact]
    public async Task Challenge_offers_sha256_first_then_md5_with_qop_auth()
    {
        var r = await Registrar().HandleRegisterAsync(Register("alice", "<sip:alice@10.0.0.5:5062>"), CancellationToken.None);
        Assert.Equal(401, r.StatusCode);
        var c = r.Headers.GetAll("WWW-Authenticate");
        Assert.Equal(2, c.Count);
        Assert.Contains("algorithm=SHA-256", c[0], StringComparison.Ordinal);
        Assert.Contains("algorithm=MD5", c[1], StringComparison.Ordinal);
        Assert.Contains("qop=\"auth\"", c[0], StringComparison.Ordinal);
        Assert.Contains("realm=\"cc\"", c[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task Sha256_and_md5_credentials_register(int challengeIndex)
    {
        var reg = Registrar();
        var ok = await RegisterWithAuthAsync(reg, "alice", "s3cret", "<sip:alice@10.0.0.5:5062>", challengeIndex: challengeIndex);
        Assert.Equal(200, ok.StatusCode);
        Assert.Single(reg.GetBindings("sip:alice@cc.example"));
        Assert.Contains("expires=3600", ok.Headers.Get("Contact"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_password_is_challenged_again_and_nothing_is_bound()
    {
        var reg = Registrar();
        var r = await RegisterWithAuthAsync(reg, "alice", "nope", "<sip:alice@10.0.0.5:5062>");
        Assert.Equal(401, r.StatusCode);
        Assert.DoesNotContain("stale=true", r.Headers.Get("WWW-Authenticate"), StringComparison.Ordinal);
        Assert.Empty(reg.GetBindings("sip:alice@cc.example"));
    }

    [Fact]
    public async Task Credentials_of_another_user_are_forbidden()
    {
        var reg = Registrar();
        var first = await reg.HandleRegisterAsync(Register("alice", "<sip:alice@h>"), CancellationToken.None);
        var auth = DigestClient.CreateAuthorization(first.Headers.Get("WWW-Authenticate")!, "REGISTER", "sip:cc.example", "bob", "pw", 1, "c");
        var r = await reg.HandleRegisterAsync(Register("alice", "<sip:alice@h>", authorization: auth), CancellationToken.None);
        Assert.Equal(403, r.StatusCode);
    }

    [Fact]
    public async Task Expired_nonce_is_answered_with_stale_true()
    {
        var reg = Registrar();
        var first = await reg.HandleRegisterAsync(Register("alice", "<sip:alice@h>"), CancellationToken.None);
        var auth = DigestClient.CreateAuthorization(first.Headers.Get("WWW-Authenticate")!, "REGISTER", "sip:cc.example", "alice", "s3cret", 1, "c");
        time.Advance(TimeSpan.FromMinutes(6));
        var r = await reg.HandleRegisterAsync(Register("alice", "<sip:alice@h>", authorization: auth), CancellationToken.None);
        Assert.Equal(401, r.StatusCode);
        Assert.Contains("stale=true", r.Headers.Get("WWW-Authenticate"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replayed_nonce_count_is_rejected_and_a_higher_count_accepted()
    {
        var reg = Registrar();
        var first = await reg.HandleRegisterAsync(Register("alice", "<sip:alice@h>"), CancellationToken.None);
        var challenge = first.Headers.Get("WWW-Authenticate")!;
        var auth1 = DigestClient.CreateAuthorization(challenge, "REGISTER", "sip:cc.example", "alice", "s3cret", 1, "c");
        Assert.Equal(200, (await reg.HandleRegisterAsync(Register("alice", "<sip:alice@h>", authorization: auth1), CancellationToken.None)).StatusCode);
        Assert.Equal(401, (await reg.HandleRegisterAsync(Register("alice", "<sip:alice@h>", authorization: auth1), CancellationToken.None)).StatusCode);
        var auth2 = DigestClient.CreateAuthorization(challenge, "REGISTER", "sip:cc.example", "alice", "s3cret", 2, "c");
        Assert.Equal(200, (await reg.HandleRegisterAsync(Register("alice", "<sip:alice@h>", authorization: auth2), CancellationToken.None)).StatusCode);
    }

    [Fact]
    public async Task Forged_nonce_is_refused()
    {
        var reg = Registrar();
        var forged = "Digest username=\"alice\", realm=\"cc\", nonce=\"" + new string('a', 64) + "\", uri=\"sip:cc.example\", response=\"00\", algorithm=MD5, qop=auth, nc=00000001, cnonce=\"x\"";
        var r = await reg.HandleRegisterAsync(Register("alice", "<sip:alice@h>", authorization: forged), CancellationToken.None);
        Assert.Equal(401, r.StatusCode);
    }

    [Fact]
    public async Task Several_contacts_expire_independently()
    {
        var reg = Registrar(auth: false);
        var r = await reg.HandleRegisterAsync(Register("bob", "<sip:bob@10.0.0.1>;expires=120, <sip:bob@10.0.0.2>;q=0.5", "600"), CancellationToken.None);
        Assert.Equal(200, r.StatusCode);
        Assert.Equal(2, reg.GetBindingsForUser("bob").Count);
        Assert.Equal("10.0.0.1", reg.GetBindingsForUser("bob")[0].Contact.Host);
        time.Advance(TimeSpan.FromSeconds(121));
        var left = reg.GetBindingsForUser("bob");
        Assert.Single(left);
        Assert.Equal("10.0.0.2", left[0].Contact.Host);
        Assert.Equal(1, reg.PurgeExpired());
    }

    [Fact]
    public async Task Expires_zero_removes_one_contact_and_star_removes_all()
    {
        var reg = Registrar(auth: false);
        await reg.HandleRegisterAsync(Register("bob", "<sip:bob@10.0.0.1>, <sip:bob@10.0.0.2>, <sip:bob@10.0.0.3>"), CancellationToken.None);
        Assert.Equal(3, reg.GetBindingsForUser("bob").Count);
        var r = await reg.HandleRegisterAsync(Register("bob", "<sip:bob@10.0.0.2>", "0"), CancellationToken.None);
        Assert.Equal(200, r.StatusCode);
        Assert.Equal(2, reg.GetBindingsForUser("bob").Count);
        Assert.Equal(400, (await reg.HandleRegisterAsync(Register("bob", "*", "60"), CancellationToken.None)).StatusCode);
        Assert.Equal(200, (await reg.HandleRegisterAsync(Register("bob", "*", "0"), CancellationToken.None)).StatusCode);
        Assert.Empty(reg.GetBindingsForUser("bob"));
    }

    [Fact]
    public async Task Too_brief_expiry_gets_423_with_min_expires()
    {
        var reg = Registrar(auth: false);
        var r = await reg.HandleRegisterAsync(Register("bob", "<sip:bob@10.0.0.1>", "10"), CancellationToken.None);
        Assert.Equal(423, r.StatusCode);
        Assert.Equal("60", r.Headers.Get("Min-Expires"));
    }

    [Fact]
    public async Task Out_of_order_register_in_the_same_call_id_is_refused()
    {
        var reg = Registrar(auth: false);
        cseq = 10;
        await reg.HandleRegisterAsync(Register("bob", "<sip:bob@10.0.0.1>"), CancellationToken.None);
        cseq = 5;
        Assert.Equal(500, (await reg.HandleRegisterAsync(Register("bob", "<sip:bob@10.0.0.1>"), CancellationToken.None)).StatusCode);
    }

    [Fact]
    public async Task Contact_uri_parameters_are_kept_in_the_binding()
    {
        var reg = Registrar(auth: false);
        await reg.HandleRegisterAsync(Register("bob", "<sip:bob@10.0.0.1;transport=tcp;unknownparam>;expires=300"), CancellationToken.None);
        var b = Assert.Single(reg.GetBindingsForUser("bob"));
        Assert.Equal("sip:bob@10.0.0.1;transport=tcp;unknownparam", b.Contact.ToString());
    }
}

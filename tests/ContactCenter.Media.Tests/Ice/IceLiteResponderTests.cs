using System.Net;
using System.Security.Cryptography;
using ContactCenter.Media.Ice;
using Microsoft.Extensions.Time.Testing;

namespace ContactCenter.Media.Tests.Ice;

public class IceLiteResponderTests
{
    private static readonly IceCredentials Local = new("LoCa", "localPasswordOf24Chars+/");
    private const string RemoteUfrag = "BrWs";
    private static readonly IPEndPoint Browser = new(IPAddress.Parse("192.0.2.77"), 50123);

    private readonly FakeTimeProvider time = new();
    private readonly byte[] response = new byte[IceLiteResponder.MaxResponseLength];

    [Fact]
    public void A_browser_check_is_answered_with_its_mapped_address_signed_and_fingerprinted()
    {
        using var responder = Responder();
        byte[] request = Check($"{Local.UsernameFragment}:{RemoteUfrag}", Local.Password, useCandidate: false);

        StunResult result = responder.Handle(request, Browser, response);

        Assert.Equal(StunOutcome.Answered, result.Outcome);
        Assert.False(result.Nominated);
        Assert.True(StunMessage.TryParse(response.AsSpan(0, result.ResponseLength), out StunMessage answer));
        Assert.Equal(Stun.BindingSuccess, answer.Type);
        Assert.Equal(request.AsSpan(8, 12).ToArray(), answer.TransactionId.ToArray());
        Assert.Equal(Browser, answer.GetXorMappedAddress());
        using IncrementalHash hmac = StunMessageTests.Hmac(Local.Password);
        Assert.True(answer.VerifyMessageIntegrity(hmac));
        Assert.True(answer.VerifyFingerprint());
        Assert.Equal(Browser, responder.LastCheckedRemote);
        Assert.Null(responder.NominatedRemote);
        Assert.True(responder.HasConsent);
    }

    [Fact]
    public void Use_candidate_nominates_the_pair_and_a_later_nomination_moves_it()
    {
        using var responder = Responder();
        StunResult result = responder.Handle(Check($"{Local.UsernameFragment}:{RemoteUfrag}", Local.Password, useCandidate: true), Browser, response);
        Assert.Equal(StunOutcome.Answered, result.Outcome);
        Assert.True(result.Nominated);
        Assert.Equal(Browser, responder.NominatedRemote);

        var moved = new IPEndPoint(IPAddress.Parse("2001:db8::5"), 40000);
        result = responder.Handle(Check($"{Local.UsernameFragment}:{RemoteUfrag}", Local.Password, useCandidate: true), moved, response);
        Assert.True(result.Nominated);
        Assert.Equal(moved, responder.NominatedRemote);
        Assert.True(StunMessage.TryParse(response.AsSpan(0, result.ResponseLength), out StunMessage answer));
        Assert.Equal(moved, answer.GetXorMappedAddress());
    }

    [Fact]
    public void A_wrong_password_gets_401_without_integrity_and_no_consent()
    {
        using var responder = Responder();
        StunResult result = responder.Handle(Check($"{Local.UsernameFragment}:{RemoteUfrag}", "someoneElsesPassword1234", useCandidate: true), Browser, response);

        Assert.Equal(StunOutcome.Rejected, result.Outcome);
        Assert.Equal(401, result.ErrorCode);
        Assert.Contains("MESSAGE-INTEGRITY", result.Reason, StringComparison.Ordinal);
        AssertError(result, 401, signed: false);
        Assert.False(responder.HasConsent);
        Assert.Null(responder.NominatedRemote);
        Assert.Null(responder.LastCheckedRemote);
    }

    [Theory]
    [InlineData("Othr:BrWs")] // not our ufrag
    [InlineData("LoCa:Othr")] // their ufrag is known and this is not it
    [InlineData("LoCa")]
    public void A_username_that_is_not_ours_gets_401(string username)
    {
        using var responder = Responder();
        StunResult result = responder.Handle(Check(username, Local.Password, useCandidate: false), Browser, response);
        Assert.Equal(401, result.ErrorCode);
        AssertError(result, 401, signed: false);
        Assert.False(responder.HasConsent);
    }

    [Fact]
    public void Before_the_peer_sdp_is_known_only_our_half_of_the_username_is_checked()
    {
        using var responder = new IceLiteResponder(Local, time);
        StunResult result = responder.Handle(Check("LoCa:anything", Local.Password, useCandidate: false), Browser, response);
        Assert.Equal(StunOutcome.Answered, result.Outcome);

        responder.SetRemoteUsernameFragment("Know");
        result = responder.Handle(Check("LoCa:anything", Local.Password, useCandidate: false), Browser, response);
        Assert.Equal(401, result.ErrorCode);
        result = responder.Handle(Check("LoCa:Know", Local.Password, useCandidate: false), Browser, response);
        Assert.Equal(StunOutcome.Answered, result.Outcome);
    }

    [Fact]
    public void A_check_without_integrity_gets_400()
    {
        using var responder = Responder();
        byte[] buffer = new byte[128];
        var writer = new StunWriter(buffer, Stun.BindingRequest, RandomNumberGenerator.GetBytes(12));
        writer.AddString(Stun.Username, $"{Local.UsernameFragment}:{RemoteUfrag}");
        writer.AddUInt64(Stun.IceControlling, 1);
        writer.AddFingerprint();

        StunResult result = responder.Handle(buffer.AsSpan(0, writer.Length), Browser, response);
        AssertError(result, 400, signed: false);
    }

    [Fact]
    public void An_unknown_comprehension_required_attribute_gets_420_naming_it()
    {
        using var responder = Responder();
        byte[] request = Check($"{Local.UsernameFragment}:{RemoteUfrag}", Local.Password, useCandidate: false, extra: 0x7F31);

        StunResult result = responder.Handle(request, Browser, response);

        AssertError(result, 420, signed: true);
        StunMessage.TryParse(response.AsSpan(0, result.ResponseLength), out StunMessage answer);
        int at = answer.Packet.IndexOf(new byte[] { 0x00, 0x0A, 0x00, 0x02, 0x7F, 0x31 });
        Assert.True(at > 0, "UNKNOWN-ATTRIBUTES lists 0x7F31");
    }

    [Fact]
    public void Rfc5769_sample_request_claims_the_controlled_role_and_gets_a_signed_487()
    {
        // RFC 5769 §2.1 carries ICE-CONTROLLED: a lite agent cannot take control, so the full agent must (RFC 8445 §6.1.1).
        using var responder = new IceLiteResponder(new IceCredentials("evtj", StunMessageTests.Rfc5769Password), time);
        responder.SetRemoteUsernameFragment("h6vY");

        StunResult result = responder.Handle(StunMessageTests.SampleRequest, Browser, response);

        AssertError(result, 487, signed: true, StunMessageTests.Rfc5769Password);
        Assert.False(responder.HasConsent);
    }

    [Fact]
    public void A_bad_fingerprint_is_dropped_without_an_answer()
    {
        using var responder = Responder();
        byte[] request = Check($"{Local.UsernameFragment}:{RemoteUfrag}", Local.Password, useCandidate: true);
        request[^1] ^= 0xFF;

        StunResult result = responder.Handle(request, Browser, response);

        Assert.Equal(StunOutcome.Dropped, result.Outcome);
        Assert.False(result.HasResponse);
        Assert.Null(responder.NominatedRemote);
    }

    [Fact]
    public void Indications_and_responses_are_dropped_and_other_traffic_is_not_stun()
    {
        using var responder = Responder();
        byte[] buffer = new byte[64];
        var writer = new StunWriter(buffer, Stun.BindingIndication, RandomNumberGenerator.GetBytes(12));
        writer.AddFingerprint();
        Assert.Equal(StunOutcome.Dropped, responder.Handle(buffer.AsSpan(0, writer.Length), Browser, response).Outcome);

        writer = new StunWriter(buffer, Stun.BindingSuccess, RandomNumberGenerator.GetBytes(12));
        writer.AddXorMappedAddress(Browser.Address, Browser.Port);
        Assert.Equal(StunOutcome.Dropped, responder.Handle(buffer.AsSpan(0, writer.Length), Browser, response).Outcome);

        byte[] rtp = new byte[172];
        rtp[0] = 0x80;
        Assert.Equal(StunOutcome.NotStun, responder.Handle(rtp, Browser, response).Outcome);
        byte[] dtls = new byte[40];
        dtls[0] = 22;
        Assert.Equal(StunOutcome.NotStun, responder.Handle(dtls, Browser, response).Outcome);
        Assert.False(responder.HasConsent);
    }

    [Fact]
    public void Consent_expires_after_the_timeout_without_an_authenticated_check()
    {
        using var responder = Responder();
        TimeSpan timeout = TimeSpan.FromSeconds(30);

        time.Advance(TimeSpan.FromSeconds(29));
        Assert.False(responder.IsConsentExpired(timeout)); // counted from creation until the first check
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.True(responder.IsConsentExpired(timeout));

        responder.Handle(Check($"{Local.UsernameFragment}:{RemoteUfrag}", Local.Password, useCandidate: true), Browser, response);
        Assert.False(responder.IsConsentExpired(timeout));

        for (int i = 0; i < 6; i++)
        {
            time.Advance(TimeSpan.FromSeconds(5)); // Chromium's consent checks, about every 5 s
            responder.Handle(Check($"{Local.UsernameFragment}:{RemoteUfrag}", Local.Password, useCandidate: false), Browser, response);
            Assert.False(responder.IsConsentExpired(timeout));
        }

        // The browser vanishes; forged or stale checks do not keep the leg alive.
        time.Advance(TimeSpan.FromSeconds(20));
        responder.Handle(Check($"{Local.UsernameFragment}:{RemoteUfrag}", "notTheRightPassword12345", useCandidate: false), Browser, response);
        Assert.False(responder.IsConsentExpired(timeout));
        time.Advance(TimeSpan.FromSeconds(11));
        Assert.True(responder.IsConsentExpired(timeout));
        Assert.Equal(TimeSpan.FromSeconds(31), responder.TimeSinceConsent);
    }

    [Fact]
    public void Generated_credentials_follow_the_ice_grammar_and_differ()
    {
        IceCredentials a = IceCredentials.Generate();
        IceCredentials b = IceCredentials.Generate();
        Assert.Equal(8, a.UsernameFragment.Length);
        Assert.Equal(24, a.Password.Length);
        Assert.True(IceCredentials.IsValidUsernameFragment(a.UsernameFragment));
        Assert.NotEqual(a.Password, b.Password);
        Assert.Throws<ArgumentException>(() => new IceCredentials("abc", "localPasswordOf24Chars+/"));
        Assert.Throws<ArgumentException>(() => new IceCredentials("abcd", "short"));
        Assert.Throws<ArgumentException>(() => new IceCredentials("ab:d", "localPasswordOf24Chars+/"));
    }

    private IceLiteResponder Responder()
    {
        var responder = new IceLiteResponder(Local, time);
        responder.SetRemoteUsernameFragment(RemoteUfrag);
        return responder;
    }

    private void AssertError(StunResult result, int code, bool signed, string? password = null)
    {
        Assert.Equal(StunOutcome.Rejected, result.Outcome);
        Assert.Equal(code, result.ErrorCode);
        Assert.True(StunMessage.TryParse(response.AsSpan(0, result.ResponseLength), out StunMessage answer));
        Assert.Equal(Stun.BindingError, answer.Type);
        Assert.Equal(code, answer.ErrorCode);
        Assert.True(answer.VerifyFingerprint());
        Assert.Equal(signed, answer.MessageIntegrityOffset >= 0);
        if (signed)
        {
            using IncrementalHash hmac = StunMessageTests.Hmac(password ?? Local.Password);
            Assert.True(answer.VerifyMessageIntegrity(hmac));
        }
    }

    /// <summary>A connectivity check as Chromium sends one (RFC 8445 §7.1): controlling, with a priority.</summary>
    internal static byte[] Check(string username, string password, bool useCandidate, ushort extra = 0)
    {
        byte[] buffer = new byte[256];
        var writer = new StunWriter(buffer, Stun.BindingRequest, RandomNumberGenerator.GetBytes(12));
        writer.AddString(Stun.Username, username);
        writer.AddUInt32(Stun.Priority, 0x6E7F1EFF);
        writer.AddUInt64(Stun.IceControlling, 0x1122334455667788);
        if (useCandidate)
        {
            writer.AddFlag(Stun.UseCandidate);
        }

        if (extra != 0)
        {
            writer.Add(extra, [1, 2, 3, 4]);
        }

        using IncrementalHash hmac = StunMessageTests.Hmac(password);
        writer.AddMessageIntegrity(hmac);
        writer.AddFingerprint();
        return buffer.AsSpan(0, writer.Length).ToArray();
    }
}

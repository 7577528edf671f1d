using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace ContactCenter.Media.Ice;

/// <summary>What <see cref="IceLiteResponder.Handle"/> did with a datagram.</summary>
internal enum StunOutcome
{
    /// <summary>Not STUN (RFC 7983: first byte above 3 or no magic cookie); hand it to DTLS or SRTP.</summary>
    NotStun,

    /// <summary>STUN, but nothing to answer: malformed, a bad FINGERPRINT, an indication, a response, another method.</summary>
    Dropped,

    /// <summary>A valid Binding request: a success response is in the buffer.</summary>
    Answered,

    /// <summary>A Binding request refused: an error response (400, 401, 420, 487) is in the buffer.</summary>
    Rejected,
}

/// <summary>The result of handling one datagram; <see cref="Reason"/> says why it was dropped or refused.</summary>
internal readonly record struct StunResult(StunOutcome Outcome, int ResponseLength, int ErrorCode, bool Nominated, string? Reason)
{
    /// <summary>Whether a response is to be sent back to the datagram's source.</summary>
    public bool HasResponse => ResponseLength > 0;
}

/// <summary>
/// The ICE-lite side of one media stream (RFC 8445 §2.5, §7.3): answers the full agent's (the
/// browser's) connectivity checks on our host candidate. A lite agent is always controlled, sends
/// no checks, and takes the pair the controlling agent nominates with USE-CANDIDATE. A Binding
/// request is authenticated with the short-term credential mechanism (RFC 8489 §9.1): USERNAME must
/// be "our ufrag:their ufrag" and MESSAGE-INTEGRITY an HMAC-SHA1 keyed with our ice-pwd; the answer
/// carries XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY and FINGERPRINT.
/// <para>
/// Consent freshness (RFC 7675): the full agent keeps sending checks (Chromium about every 5 s) for as
/// long as it wants media; <see cref="IsConsentExpired"/> says when none has been authenticated for
/// a while, so the leg can be ended instead of left silent. Not thread-safe for <see cref="Handle"/>
/// (one receive path per leg); the consent and selection properties may be read from any thread.
/// </para>
/// </summary>
internal sealed class IceLiteResponder : IDisposable
{
    /// <summary>A buffer this large holds any response <see cref="Handle"/> writes.</summary>
    public const int MaxResponseLength = 160;

    private readonly IncrementalHash hmac;
    private readonly TimeProvider time;
    private readonly byte[] localPrefix;
    private readonly long created;
    private byte[]? expectedUsername;
    private long lastConsent;
    private IPEndPoint? nominated;
    private IPEndPoint? lastChecked;

    /// <summary>Creates the responder for <paramref name="local"/> credentials (our a=ice-ufrag / a=ice-pwd).</summary>
    public IceLiteResponder(IceCredentials local, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(local);
        ArgumentNullException.ThrowIfNull(time);
        Local = local;
        this.time = time;
        hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA1, Encoding.UTF8.GetBytes(local.Password));
        localPrefix = Encoding.UTF8.GetBytes(local.UsernameFragment + ":");
        created = time.GetTimestamp();
    }

    /// <summary>Our credentials.</summary>
    public IceCredentials Local { get; }

    /// <summary>The peer's ufrag once its SDP is known; until then only our half of USERNAME is checked (RFC 8445 §7.3).</summary>
    public string? RemoteUsernameFragment { get; private set; }

    /// <summary>The remote address of the pair the controlling agent nominated (USE-CANDIDATE): where media goes.</summary>
    public IPEndPoint? NominatedRemote => Volatile.Read(ref nominated);

    /// <summary>The source of the last authenticated check (a valid pair, nominated or not).</summary>
    public IPEndPoint? LastCheckedRemote => Volatile.Read(ref lastChecked);

    /// <summary>Whether any check has been authenticated yet.</summary>
    public bool HasConsent => Volatile.Read(ref lastConsent) != 0;

    /// <summary>Time since the last authenticated check, or since this responder was made when none came yet.</summary>
    public TimeSpan TimeSinceConsent
    {
        get
        {
            long last = Volatile.Read(ref lastConsent);
            return time.GetElapsedTime(last != 0 ? last : created);
        }
    }

    /// <summary>Sets the peer's a=ice-ufrag (from its offer or answer; again after an ICE restart).</summary>
    public void SetRemoteUsernameFragment(string usernameFragment)
    {
        if (!IceCredentials.IsValidUsernameFragment(usernameFragment))
        {
            throw new ArgumentException("An ICE username fragment is 4-256 characters of A-Z, a-z, 0-9, '+' and '/'.", nameof(usernameFragment));
        }

        RemoteUsernameFragment = usernameFragment;
        expectedUsername = Encoding.UTF8.GetBytes(Local.UsernameFragment + ":" + usernameFragment);
    }

    /// <summary>
    /// Whether no check has been authenticated for longer than <paramref name="timeout"/> (RFC 7675
    /// uses 30 s); counted from creation until the first check arrives.
    /// </summary>
    public bool IsConsentExpired(TimeSpan timeout) => TimeSinceConsent > timeout;

    /// <summary>
    /// Handles one datagram from <paramref name="source"/>. When the result has a response, its first
    /// <see cref="StunResult.ResponseLength"/> bytes in <paramref name="response"/> (at least
    /// <see cref="MaxResponseLength"/> bytes) go back to <paramref name="source"/>.
    /// </summary>
    public StunResult Handle(ReadOnlySpan<byte> packet, IPEndPoint source, Span<byte> response)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!Stun.LooksLikeStun(packet))
        {
            return new StunResult(StunOutcome.NotStun, 0, 0, false, null);
        }

        if (!StunMessage.TryParse(packet, out StunMessage request))
        {
            return Dropped("malformed STUN message");
        }

        if (request.FingerprintOffset >= 0 && !request.VerifyFingerprint())
        {
            // RFC 8489 §7.3: a wrong FINGERPRINT means it is not STUN after all.
            return Dropped("bad FINGERPRINT");
        }

        if (request.Type != Stun.BindingRequest)
        {
            // Indications are keepalives (no consent, RFC 7675 §5.1); a lite agent sends no requests, so expects no responses.
            return Dropped(request.IsIndication ? "Binding indication" : request.IsResponse ? "unexpected STUN response" : "STUN method other than Binding");
        }

        // RFC 8489 §9.1.3: short-term credential checks, before anything else is looked at.
        if (!request.HasUsername || request.MessageIntegrityOffset < 0)
        {
            return Error(request, response, 400, "Bad Request", signed: false, "Binding request without USERNAME or MESSAGE-INTEGRITY");
        }

        if (!UsernameMatches(request.Username))
        {
            return Error(request, response, 401, "Unauthenticated", signed: false, "USERNAME is not ours");
        }

        if (!request.VerifyMessageIntegrity(hmac))
        {
            return Error(request, response, 401, "Unauthenticated", signed: false, "MESSAGE-INTEGRITY does not match our ice-pwd");
        }

        if (request.UnknownRequiredCount > 0)
        {
            return Error(request, response, 420, "Unknown Attribute", signed: true, "unknown comprehension-required attribute");
        }

        if (request.IceControlled.HasValue)
        {
            // RFC 8445 §6.1.1: with a lite peer the full agent must control. A lite agent cannot take the
            // controlling role, so a controlled full agent is told of the conflict (§7.3.1.1) and must switch.
            return Error(request, response, 487, "Role Conflict", signed: true, "peer claims the controlled role");
        }

        // Authenticated: consent refreshed, the pair is valid, and nominated with USE-CANDIDATE.
        Volatile.Write(ref lastConsent, Math.Max(time.GetTimestamp(), 1));
        if (!source.Equals(Volatile.Read(ref lastChecked)))
        {
            Volatile.Write(ref lastChecked, new IPEndPoint(source.Address, source.Port));
        }

        if (request.UseCandidate && !source.Equals(Volatile.Read(ref nominated)))
        {
            Volatile.Write(ref nominated, new IPEndPoint(source.Address, source.Port));
        }

        var writer = new StunWriter(response, Stun.BindingSuccess, request.TransactionId);
        writer.AddXorMappedAddress(source.Address, source.Port);
        writer.AddMessageIntegrity(hmac);
        writer.AddFingerprint();
        return new StunResult(StunOutcome.Answered, writer.Length, 0, request.UseCandidate, null);
    }

    /// <inheritdoc />
    public void Dispose() => hmac.Dispose();

    private static StunResult Dropped(string reason) => new(StunOutcome.Dropped, 0, 0, false, reason);

    private bool UsernameMatches(ReadOnlySpan<byte> username)
    {
        byte[]? expected = expectedUsername;
        return expected is not null ? username.SequenceEqual(expected) : username.StartsWith(localPrefix) && username.Length > localPrefix.Length;
    }

    private StunResult Error(StunMessage request, Span<byte> response, int code, string phrase, bool signed, string reason)
    {
        var writer = new StunWriter(response, Stun.BindingError, request.TransactionId);
        writer.AddErrorCode(code, phrase);
        if (code == 420)
        {
            Span<ushort> unknown = stackalloc ushort[StunMessage.MaxUnknownAttributes];
            writer.AddUnknownAttributes(unknown[..request.GetUnknownAttributes(unknown)]);
        }

        // RFC 8489 §9.1.3: 400 and 401 answers carry no MESSAGE-INTEGRITY; the others are signed like a success.
        if (signed)
        {
            writer.AddMessageIntegrity(hmac);
        }

        writer.AddFingerprint();
        return new StunResult(StunOutcome.Rejected, writer.Length, code, false, reason);
    }
}

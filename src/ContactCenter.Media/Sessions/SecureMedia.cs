using System.Security.Cryptography;
using ContactCenter.Media.Dtls;
using ContactCenter.Media.Srtp;

namespace ContactCenter.Media.Sessions;

/// <summary>Options of a leg chosen when it is opened (<see cref="IMediaEngine.CreateSession(string, MediaLegOptions)"/>).</summary>
public sealed record MediaLegOptions
{
    /// <summary>
    /// A browser (WebRTC) leg: ICE-lite on the leg's one port (RFC 8445 §2.5). The peer's STUN connectivity checks are
    /// answered from that port; media goes to the address its checks nominate (USE-CANDIDATE, or the first valid check
    /// until one is nominated), not to the SDP's c= line; consent freshness (RFC 7675) is watched. RTP and RTCP share the
    /// port, so <see cref="RemoteMedia.RtcpMux"/> must be set. Our credentials are <see cref="IMediaSession.LocalIce"/>.
    /// </summary>
    public bool IceLite { get; init; }
}

/// <summary>Our ICE credentials for the SDP (a=ice-ufrag, a=ice-pwd).</summary>
public sealed record IceParameters(string UsernameFragment, string Password);

/// <summary>How a leg's SRTP (RFC 3711) is keyed: <see cref="DtlsSrtpKeying"/> (browsers) or <see cref="SdesSrtpKeying"/> (SIP phones).</summary>
public abstract record SrtpKeying
{
    private protected SrtpKeying()
    {
    }

    internal abstract void Validate(List<string> errors);
}

/// <summary>Our side of a=setup (RFC 4145, RFC 5763 §5): who starts the DTLS handshake.</summary>
public enum DtlsSetup
{
    /// <summary>a=setup:active: we are the DTLS client.</summary>
    Active,

    /// <summary>a=setup:passive: we are the DTLS server (what we answer to a browser's actpass).</summary>
    Passive,
}

/// <summary>
/// DTLS-SRTP (RFC 5763, RFC 5764): a DTLS handshake on the leg's port gives the SRTP keys; the peer's certificate must
/// match the a=fingerprint of its SDP (ours is <see cref="IMediaEngine.DtlsFingerprint"/>).
/// </summary>
public sealed record DtlsSrtpKeying : SrtpKeying
{
    /// <summary>The peer's a=fingerprint value, e.g. "sha-256 AB:CD:…".</summary>
    public required string RemoteFingerprint { get; init; }

    /// <summary>Our role, as our SDP's a=setup says.</summary>
    public required DtlsSetup Setup { get; init; }

    internal override void Validate(List<string> errors)
    {
        if (!DtlsFingerprint.TryParse(RemoteFingerprint, out _, out string? error))
        {
            errors.Add($"Srtp.RemoteFingerprint: {error}.");
        }

        if (!Enum.IsDefined(Setup))
        {
            errors.Add($"Srtp.Setup {(int)Setup} is neither Active nor Passive.");
        }
    }
}

/// <summary>
/// SDES (RFC 4568): the SRTP master keys are given in the SDP's a=crypto lines, ours and the peer's, each the base64 of
/// master key followed by master salt (the inline: part).
/// </summary>
public sealed record SdesSrtpKeying : SrtpKeying
{
    /// <summary>The crypto suite: AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_32 or AEAD_AES_128_GCM.</summary>
    public required string CryptoSuite { get; init; }

    /// <summary>Our key (the inline: of our a=crypto): what we protect with.</summary>
    public required string LocalKey { get; init; }

    /// <summary>The peer's key (the inline: of its a=crypto): what it protects with.</summary>
    public required string RemoteKey { get; init; }

    /// <summary>A fresh random master key and salt for <paramref name="cryptoSuite"/>, base64, for our a=crypto.</summary>
    public static string GenerateKey(string cryptoSuite)
    {
        SrtpProfile profile = SrtpProfiles.FromSdesName(cryptoSuite) ?? throw new ArgumentException($"Unsupported SRTP crypto suite '{cryptoSuite}'.", nameof(cryptoSuite));
        return Convert.ToBase64String(RandomNumberGenerator.GetBytes(profile.KeyLength() + profile.SaltLength()));
    }

    internal SrtpProfile Profile => SrtpProfiles.FromSdesName(CryptoSuite) ?? throw new InvalidOperationException(CryptoSuite);

    /// <summary>The context that protects what we send.</summary>
    internal SrtpContext CreateOutbound() => Create(LocalKey);

    /// <summary>The context that unprotects what the peer sends.</summary>
    internal SrtpContext CreateInbound() => Create(RemoteKey);

    internal override void Validate(List<string> errors)
    {
        if (SrtpProfiles.FromSdesName(CryptoSuite ?? string.Empty) is not { } profile)
        {
            errors.Add($"Srtp.CryptoSuite '{CryptoSuite}' is not supported (AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_32, AEAD_AES_128_GCM).");
            return;
        }

        int length = profile.KeyLength() + profile.SaltLength();
        CheckKey(errors, nameof(LocalKey), LocalKey, length);
        CheckKey(errors, nameof(RemoteKey), RemoteKey, length);
    }

    private static void CheckKey(List<string> errors, string name, string? value, int length)
    {
        Span<byte> bytes = stackalloc byte[64];
        if (value is null || !Convert.TryFromBase64String(value, bytes, out int written) || written != length)
        {
            errors.Add($"Srtp.{name} must be the base64 of {length} bytes (master key and salt).");
        }
    }

    private SrtpContext Create(string key)
    {
        SrtpProfile profile = Profile;
        byte[] material = Convert.FromBase64String(key);
        try
        {
            return SrtpContext.Create(profile, material.AsSpan(0, profile.KeyLength()), material.AsSpan(profile.KeyLength()));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(material);
        }
    }
}

/// <summary>Why a leg's media failed for good (<see cref="IMediaSession.MediaFailed"/>).</summary>
public enum MediaFailure
{
    /// <summary>The DTLS handshake did not complete in time (MediaOptions.DtlsHandshakeTimeout).</summary>
    DtlsTimeout,

    /// <summary>The peer's DTLS certificate is not the one the a=fingerprint of its SDP names.</summary>
    DtlsFingerprintMismatch,

    /// <summary>The DTLS handshake failed otherwise (no common SRTP profile, an alert from the peer, a protocol error).</summary>
    DtlsFailed,

    /// <summary>The peer closed the DTLS association (a browser tab closing sends close_notify).</summary>
    DtlsClosed,

    /// <summary>No authenticated ICE check from the peer for MediaOptions.IceConsentTimeout (RFC 7675): the browser is gone.</summary>
    ConsentExpired,
}

/// <summary>Raised once when a leg's media fails for good: the leg sends and receives nothing more; end the call.</summary>
public sealed class MediaFailedEventArgs : EventArgs
{
    /// <summary>The kind of failure.</summary>
    public required MediaFailure Failure { get; init; }

    /// <summary>A one-line reason for the call's end and its history.</summary>
    public required string Reason { get; init; }
}

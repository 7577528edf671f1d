namespace ContactCenter.Media.Srtp;

/// <summary>
/// The SRTP protection profiles (crypto suites) this stack offers and accepts. The same names are
/// SDES crypto suites (RFC 4568 a=crypto) and DTLS-SRTP protection profiles (RFC 5764 §4.1.2, RFC 7714 §14.2).
/// </summary>
internal enum SrtpProfile
{
    /// <summary>AES-128 counter mode, HMAC-SHA1 tag of 80 bits on RTP and RTCP (RFC 3711 defaults).</summary>
    AesCm128HmacSha1_80,

    /// <summary>AES-128 counter mode, HMAC-SHA1 tag of 32 bits on RTP, 80 bits on RTCP (RFC 5764 §4.1.2).</summary>
    AesCm128HmacSha1_32,

    /// <summary>AES-128 in Galois/Counter Mode, 16-byte tag (RFC 7714).</summary>
    AeadAes128Gcm,
}

/// <summary>Key, salt and tag lengths of each profile, and its registered names and numbers.</summary>
internal static class SrtpProfiles
{
    /// <summary>Master (and session) key length in bytes.</summary>
    public static int KeyLength(this SrtpProfile profile) => 16;

    /// <summary>Master (and session) salt length: 112 bits for AES-CM, 96 bits for AES-GCM (RFC 7714 §12).</summary>
    public static int SaltLength(this SrtpProfile profile) => profile == SrtpProfile.AeadAes128Gcm ? 12 : 14;

    /// <summary>Whether the profile is an AEAD (no separate authentication key or HMAC).</summary>
    public static bool IsAead(this SrtpProfile profile) => profile == SrtpProfile.AeadAes128Gcm;

    /// <summary>Bytes of authentication tag appended to an SRTP packet.</summary>
    public static int RtpTagLength(this SrtpProfile profile) => profile switch
    {
        SrtpProfile.AesCm128HmacSha1_80 => 10,
        SrtpProfile.AesCm128HmacSha1_32 => 4,
        SrtpProfile.AeadAes128Gcm => 16,
    };

    /// <summary>Bytes of authentication tag appended to an SRTCP packet (80 bits for both HMAC profiles).</summary>
    public static int RtcpTagLength(this SrtpProfile profile) => profile == SrtpProfile.AeadAes128Gcm ? 16 : 10;

    /// <summary>The RFC 5764 / RFC 7714 DTLS-SRTP protection profile number.</summary>
    public static int DtlsProfileId(this SrtpProfile profile) => profile switch
    {
        SrtpProfile.AesCm128HmacSha1_80 => 0x0001,
        SrtpProfile.AesCm128HmacSha1_32 => 0x0002,
        SrtpProfile.AeadAes128Gcm => 0x0007,
    };

    /// <summary>The profile for a DTLS-SRTP protection profile number, or null for one not supported.</summary>
    public static SrtpProfile? FromDtlsProfileId(int id) => id switch
    {
        0x0001 => SrtpProfile.AesCm128HmacSha1_80,
        0x0002 => SrtpProfile.AesCm128HmacSha1_32,
        0x0007 => SrtpProfile.AeadAes128Gcm,
        _ => null,
    };

    /// <summary>The SDES crypto-suite name (RFC 4568 §6.2, RFC 7714 §14.1).</summary>
    public static string SdesName(this SrtpProfile profile) => profile switch
    {
        SrtpProfile.AesCm128HmacSha1_80 => "AES_CM_128_HMAC_SHA1_80",
        SrtpProfile.AesCm128HmacSha1_32 => "AES_CM_128_HMAC_SHA1_32",
        SrtpProfile.AeadAes128Gcm => "AEAD_AES_128_GCM",
    };

    /// <summary>The profile for an SDES crypto-suite name, or null for one not supported.</summary>
    public static SrtpProfile? FromSdesName(string name) => name switch
    {
        "AES_CM_128_HMAC_SHA1_80" => SrtpProfile.AesCm128HmacSha1_80,
        "AES_CM_128_HMAC_SHA1_32" => SrtpProfile.AesCm128HmacSha1_32,
        "AEAD_AES_128_GCM" => SrtpProfile.AeadAes128Gcm,
        _ => null,
    };
}

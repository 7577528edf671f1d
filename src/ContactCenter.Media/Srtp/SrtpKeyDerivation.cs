namespace ContactCenter.Media.Srtp;

/// <summary>
/// The SRTP key derivation function (RFC 3711 §4.3) with a key derivation rate of 0 (the only
/// rate DTLS-SRTP uses; RFC 5764 §4.1.2, and the usual SDES case): session key, salt and
/// authentication key are the AES-CM keystream under the master key with IV = (master salt XOR
/// label at byte 7) · 2^16. A 96-bit AEAD master salt is zero-padded to 112 bits first (RFC 7714 §11).
/// </summary>
internal static class SrtpKeyDerivation
{
    /// <summary>Label of the SRTP encryption key.</summary>
    public const byte RtpEncryption = 0x00;

    /// <summary>Label of the SRTP authentication key.</summary>
    public const byte RtpAuthentication = 0x01;

    /// <summary>Label of the SRTP salt.</summary>
    public const byte RtpSalt = 0x02;

    /// <summary>Label of the SRTCP encryption key.</summary>
    public const byte RtcpEncryption = 0x03;

    /// <summary>Label of the SRTCP authentication key.</summary>
    public const byte RtcpAuthentication = 0x04;

    /// <summary>Label of the SRTCP salt.</summary>
    public const byte RtcpSalt = 0x05;

    /// <summary>Fills <paramref name="output"/> with the key for <paramref name="label"/>.</summary>
    public static void Derive(AesCounterMode prf, ReadOnlySpan<byte> masterSalt, byte label, Span<byte> output)
    {
        ArgumentNullException.ThrowIfNull(prf);
        if (masterSalt.Length is not (12 or 14))
        {
            throw new ArgumentException("An SRTP master salt is 112 bits (AES-CM) or 96 bits (AEAD).", nameof(masterSalt));
        }

        Span<byte> iv = stackalloc byte[16];
        iv.Clear();
        masterSalt.CopyTo(iv);
        iv[7] ^= label; // key_id = label || r (r = 0 with no key derivation rate), right-aligned in the 112-bit salt
        prf.Keystream(iv, output);
    }
}

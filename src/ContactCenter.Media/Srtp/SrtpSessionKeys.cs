using System.Security.Cryptography;

namespace ContactCenter.Media.Srtp;

/// <summary>The session keys of one half (SRTP or SRTCP) of a crypto context (RFC 3711 §4.3).</summary>
internal sealed class SrtpSessionKeys
{
    /// <summary>Keys given directly (tests use the RFC 7714 session-key vectors).</summary>
    public SrtpSessionKeys(byte[] cipherKey, byte[] salt, byte[] authenticationKey)
    {
        CipherKey = cipherKey;
        Salt = salt;
        AuthenticationKey = authenticationKey;
    }

    /// <summary>k_e.</summary>
    public byte[] CipherKey { get; }

    /// <summary>k_s: 112 bits for AES-CM, 96 bits for AES-GCM.</summary>
    public byte[] Salt { get; }

    /// <summary>k_a (160 bits), empty for an AEAD profile.</summary>
    public byte[] AuthenticationKey { get; }

    /// <summary>Derives the SRTP (<paramref name="rtcp"/> false) or SRTCP session keys from a master key and salt.</summary>
    public static SrtpSessionKeys Derive(SrtpProfile profile, ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt, bool rtcp)
    {
        if (masterKey.Length != profile.KeyLength())
        {
            throw new ArgumentException($"A {profile.SdesName()} master key is {profile.KeyLength()} bytes, not {masterKey.Length}.", nameof(masterKey));
        }

        if (masterSalt.Length != profile.SaltLength())
        {
            throw new ArgumentException($"A {profile.SdesName()} master salt is {profile.SaltLength()} bytes, not {masterSalt.Length}.", nameof(masterSalt));
        }

        using var prf = new AesCounterMode(masterKey);
        byte[] cipherKey = new byte[profile.KeyLength()];
        byte[] salt = new byte[profile.SaltLength()];
        byte[] auth = profile.IsAead() ? [] : new byte[20];
        SrtpKeyDerivation.Derive(prf, masterSalt, rtcp ? SrtpKeyDerivation.RtcpEncryption : SrtpKeyDerivation.RtpEncryption, cipherKey);
        SrtpKeyDerivation.Derive(prf, masterSalt, rtcp ? SrtpKeyDerivation.RtcpSalt : SrtpKeyDerivation.RtpSalt, salt);
        if (auth.Length > 0)
        {
            SrtpKeyDerivation.Derive(prf, masterSalt, rtcp ? SrtpKeyDerivation.RtcpAuthentication : SrtpKeyDerivation.RtpAuthentication, auth);
        }

        return new SrtpSessionKeys(cipherKey, salt, auth);
    }

    /// <summary>Overwrites the keys (when the context is disposed).</summary>
    public void Clear()
    {
        CryptographicOperations.ZeroMemory(CipherKey);
        CryptographicOperations.ZeroMemory(Salt);
        CryptographicOperations.ZeroMemory(AuthenticationKey);
    }
}

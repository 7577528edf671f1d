using ContactCenter.Media.Srtp;

namespace ContactCenter.Media.Tests.Srtp;

/// <summary>The SRTP transforms against published test vectors.</summary>
public class SrtpVectorTests
{
    [Fact]
    public void Rfc3711_b2_aes_counter_mode_keystream()
    {
        // Session key and salt of Appendix B.2; SSRC 0, index 0: the IV is the salt shifted 16 bits.
        using var aes = new AesCounterMode(Hex("2B7E151628AED2A6ABF7158809CF4F3C"));
        byte[] keystream = new byte[0xFF02 * 16];
        aes.Keystream(Hex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000"), keystream);

        Assert.Equal("E03EAD0935C95E80E166B16DD92B4EB4", Block(keystream, 0x0000));
        Assert.Equal("D23513162B02D0F72A43A2FE4A5F97AB", Block(keystream, 0x0001));
        Assert.Equal("41E95B3BB0A2E8DD477901E4FCA894C0", Block(keystream, 0x0002));
        Assert.Equal("EC8CDF7398607CB0F2D21675EA9EA1E4", Block(keystream, 0xFEFF));
        Assert.Equal("362B7C3C6773516318A077D7FC5073AE", Block(keystream, 0xFF00));
        Assert.Equal("6A2CC3787889374FBEB4C81B17BA6C44", Block(keystream, 0xFF01));
    }

    [Fact]
    public void Rfc3711_b3_key_derivation()
    {
        byte[] masterKey = Hex("E1F97A0D3E018BE0D64FA32C06DE4139");
        byte[] masterSalt = Hex("0EC675AD498AFEEBB6960B3AABE6");

        SrtpSessionKeys keys = SrtpSessionKeys.Derive(SrtpProfile.AesCm128HmacSha1_80, masterKey, masterSalt, rtcp: false);

        Assert.Equal("C61E7A93744F39EE10734AFE3FF7A087", Convert.ToHexString(keys.CipherKey));
        Assert.Equal("30CBBC08863D8C85D49DB34A9AE1", Convert.ToHexString(keys.Salt));
        Assert.Equal("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4", Convert.ToHexString(keys.AuthenticationKey));

        // The appendix lists 94 bytes of the authentication keystream (for longer MACs): all of it.
        using var prf = new AesCounterMode(masterKey);
        byte[] auth = new byte[94];
        SrtpKeyDerivation.Derive(prf, masterSalt, SrtpKeyDerivation.RtpAuthentication, auth);
        Assert.Equal(
            "CEBE321F6FF7716B6FD4AB49AF256A156D38BAA48F0A0ACF3C34E2359E6CDBCE"
            + "E049646C43D9327AD175578EF72270986371C10C9A369AC2F94A8C5FBCDDDC25"
            + "6D6E919A48B610EF17C2041E474035766B68642C59BBFC2F34DB60DBDFB2",
            Convert.ToHexString(auth));
    }

    // libsrtp's srtp_driver known-answer packet for AES_CM_128_HMAC_SHA1_80 with the RFC 3711 B.3 master
    // key: covers key derivation, AES-CM and the HMAC-SHA1 tag over packet and ROC together.
    private const string CmMaster = "E1F97A0D3E018BE0D64FA32C06DE4139";
    private const string CmSalt = "0EC675AD498AFEEBB6960B3AABE6";
    private const string CmPlain = "800F1234DECAFBADCAFEBABEABABABABABABABABABABABABABABABAB";
    private const string CmProtected = "800F1234DECAFBADCAFEBABE4E55DC4CE79978D88CA4D215949D2402B78D6ACC99EA179B8DBB";

    [Fact]
    public void Aes_cm_hmac_sha1_80_known_packet_protects_and_unprotects()
    {
        using SrtpContext sender = SrtpContext.Create(SrtpProfile.AesCm128HmacSha1_80, Hex(CmMaster), Hex(CmSalt));
        byte[] buffer = new byte[64];
        Hex(CmPlain).CopyTo(buffer, 0);
        int length = sender.ProtectRtp(buffer, CmPlain.Length / 2);
        Assert.Equal(CmProtected, Convert.ToHexString(buffer, 0, length));

        using SrtpContext receiver = SrtpContext.Create(SrtpProfile.AesCm128HmacSha1_80, Hex(CmMaster), Hex(CmSalt));
        Assert.Equal(SrtpStatus.Ok, receiver.UnprotectRtp(buffer, length, out int plain));
        Assert.Equal(CmPlain, Convert.ToHexString(buffer, 0, plain));
    }

    [Fact]
    public void Aes_cm_hmac_sha1_32_sends_the_same_ciphertext_and_the_first_32_bits_of_the_tag()
    {
        using SrtpContext sender = SrtpContext.Create(SrtpProfile.AesCm128HmacSha1_32, Hex(CmMaster), Hex(CmSalt));
        byte[] buffer = new byte[64];
        Hex(CmPlain).CopyTo(buffer, 0);
        int length = sender.ProtectRtp(buffer, CmPlain.Length / 2);
        Assert.Equal(CmProtected[..(CmPlain.Length + 8)], Convert.ToHexString(buffer, 0, length));

        using SrtpContext receiver = SrtpContext.Create(SrtpProfile.AesCm128HmacSha1_32, Hex(CmMaster), Hex(CmSalt));
        Assert.Equal(SrtpStatus.Ok, receiver.UnprotectRtp(buffer, length, out int plain));
        Assert.Equal(CmPlain, Convert.ToHexString(buffer, 0, plain));
    }

    // RFC 7714 §16 and §17 (AEAD_AES_128_GCM): session key and salt given directly, no KDF.
    private const string GcmKey = "000102030405060708090A0B0C0D0E0F";
    private const string GcmSalt = "517569642070726F2071756F"; // "Quid pro quo"
    private const string GcmRtpPlain = "8040F17B8041F8D35501A0B247616C6C696120657374206F6D6E69732064697669736120696E207061727465732074726573";
    private const string GcmRtpProtected = "8040F17B8041F8D35501A0B2"
        + "F24DE3A3FB34DE6CACBA861C9D7E4BCABE633BD50D294E6F42A5F47A51C7D19B36DE3ADF8833"
        + "899D7F27BEB16A9152CF765EE4390CCE";
    private const string GcmRtcpPlain = "81C8000D4D6172734E5450314E545032525450200000042A0000E9304C756E61DEADBEEFDEADBEEFDEADBEEFDEADBEEFDEADBEEF";
    private const string GcmRtcpProtected = "81C8000D4D617273"
        + "63E94885DCDAB67CA727D7662F6B7E997FF5C0F76C06F32DC676A5F1730D6FDA4CE09B4686303DED0BB9275B"
        + "C84AA45896CF4D2FC5ABF87245D9EADE"
        + "800005D4";

    [Fact]
    public void Rfc7714_aes_128_gcm_rtp_vector()
    {
        using SrtpContext sender = GcmContext();
        byte[] buffer = new byte[128];
        Hex(GcmRtpPlain).CopyTo(buffer, 0);
        int length = sender.ProtectRtp(buffer, GcmRtpPlain.Length / 2);
        Assert.Equal(GcmRtpProtected, Convert.ToHexString(buffer, 0, length));

        using SrtpContext receiver = GcmContext();
        Assert.Equal(SrtpStatus.Ok, receiver.UnprotectRtp(buffer, length, out int plain));
        Assert.Equal(GcmRtpPlain, Convert.ToHexString(buffer, 0, plain));
    }

    [Fact]
    public void Rfc7714_aes_128_gcm_rtcp_vector()
    {
        using SrtpContext sender = GcmContext();
        byte[] buffer = new byte[128];
        // The vector's SRTCP index is 0x5d4: the sender's count starts at 0, so send that many first.
        for (int i = 0; i < 0x5D4; i++)
        {
            Hex(GcmRtcpPlain).CopyTo(buffer, 0);
            sender.ProtectRtcp(buffer, GcmRtcpPlain.Length / 2);
        }

        Hex(GcmRtcpPlain).CopyTo(buffer, 0);
        int length = sender.ProtectRtcp(buffer, GcmRtcpPlain.Length / 2);
        Assert.Equal(GcmRtcpProtected, Convert.ToHexString(buffer, 0, length));

        using SrtpContext receiver = GcmContext();
        Assert.Equal(SrtpStatus.Ok, receiver.UnprotectRtcp(buffer, length, out int plain));
        Assert.Equal(GcmRtcpPlain, Convert.ToHexString(buffer, 0, plain));
    }

    [Fact]
    public void Aead_key_derivation_pads_the_96_bit_salt_as_libsrtp_does()
    {
        // RFC 7714 gives no KDF vector; this is the session salt libsrtp derives for this master key and salt.
        byte[] masterKey = Hex("000102030405060708090A0B0C0D0E0F");
        byte[] masterSalt = Hex("404142434445464748494A4B");
        SrtpSessionKeys keys = SrtpSessionKeys.Derive(SrtpProfile.AeadAes128Gcm, masterKey, masterSalt, rtcp: false);
        Assert.Equal("1FCD5D561E66DC49EC1C3CCB", Convert.ToHexString(keys.Salt));
        Assert.Empty(keys.AuthenticationKey);
        Assert.Equal(16, keys.CipherKey.Length);
    }

    private static SrtpContext GcmContext() => new(
        SrtpProfile.AeadAes128Gcm,
        new SrtpSessionKeys(Hex(GcmKey), Hex(GcmSalt), []),
        new SrtpSessionKeys(Hex(GcmKey), Hex(GcmSalt), []));

    private static string Block(byte[] keystream, int block) => Convert.ToHexString(keystream, block * 16, 16);

    internal static byte[] Hex(string hex) => Convert.FromHexString(hex);
}

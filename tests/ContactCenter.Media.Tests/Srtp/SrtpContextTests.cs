using System.Buffers.Binary;
using System.Security.Cryptography;
using ContactCenter.Media.Rtp;
using ContactCenter.Media.Srtp;

namespace ContactCenter.Media.Tests.Srtp;

public class SrtpContextTests
{
    public static TheoryData<int> Profiles => new() { (int)SrtpProfile.AesCm128HmacSha1_80, (int)SrtpProfile.AesCm128HmacSha1_32, (int)SrtpProfile.AeadAes128Gcm };

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Rtp_round_trips_and_the_payload_is_encrypted(int profileNumber)
    {
        var profile = (SrtpProfile)profileNumber;
        (SrtpContext sender, SrtpContext receiver) = Pair(profile);
        using (sender)
        using (receiver)
        {
            for (ushort seq = 1000; seq < 1100; seq++)
            {
                byte[] plain = Rtp(seq, payloadLength: 160 + (seq % 7));
                byte[] buffer = new byte[plain.Length + 16];
                plain.CopyTo(buffer, 0);

                int length = sender.ProtectRtp(buffer, plain.Length);

                Assert.Equal(plain.Length + profile.RtpTagLength(), length);
                Assert.Equal(plain.AsSpan(0, 12).ToArray(), buffer.AsSpan(0, 12).ToArray());
                Assert.False(plain.AsSpan(12).SequenceEqual(buffer.AsSpan(12, plain.Length - 12)), "payload sent in the clear");
                Assert.Equal(SrtpStatus.Ok, receiver.UnprotectRtp(buffer, length, out int plainLength));
                Assert.Equal(plain, buffer.AsSpan(0, plainLength).ToArray());
            }
        }
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Headers_with_csrcs_and_an_extension_stay_in_the_clear_and_authenticated(int profileNumber)
    {
        var profile = (SrtpProfile)profileNumber;
        (SrtpContext sender, SrtpContext receiver) = Pair(profile);
        using (sender)
        using (receiver)
        {
            // V=2, X=1, CC=2; a one-byte-header extension (RFC 8285) of one word, as Chromium sends audio levels.
            byte[] plain = Convert.FromHexString("92EF0001000000A0CAFEBABE1111111122222222BEDE00011080FF00" + new string('5', 320));
            byte[] buffer = new byte[plain.Length + 16];
            plain.CopyTo(buffer, 0);
            int length = sender.ProtectRtp(buffer, plain.Length);
            Assert.Equal(plain.AsSpan(0, 28).ToArray(), buffer.AsSpan(0, 28).ToArray());

            byte[] tampered = (byte[])buffer.Clone();
            tampered[25] ^= 0x01; // inside the extension
            Assert.Equal(SrtpStatus.AuthenticationFailed, receiver.UnprotectRtp(tampered, length, out _));
            Assert.Equal(SrtpStatus.Ok, receiver.UnprotectRtp(buffer, length, out int plainLength));
            Assert.Equal(plain, buffer.AsSpan(0, plainLength).ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void A_changed_bit_anywhere_fails_authentication_and_leaves_the_stream_unharmed(int profileNumber)
    {
        var profile = (SrtpProfile)profileNumber;
        (SrtpContext sender, SrtpContext receiver) = Pair(profile);
        using (sender)
        using (receiver)
        {
            byte[] plain = Rtp(7, payloadLength: 40);
            byte[] buffer = new byte[plain.Length + 16];
            plain.CopyTo(buffer, 0);
            int length = sender.ProtectRtp(buffer, plain.Length);

            for (int i = 0; i < length; i++)
            {
                byte[] tampered = buffer.AsSpan(0, length).ToArray();
                tampered[i] ^= 0x40;
                if (i is 0)
                {
                    continue; // version bits: refused as malformed, checked below
                }

                Assert.Equal(SrtpStatus.AuthenticationFailed, receiver.UnprotectRtp(tampered, length, out _));
            }

            byte[] badVersion = buffer.AsSpan(0, length).ToArray();
            badVersion[0] = 0x40;
            Assert.Equal(SrtpStatus.Malformed, receiver.UnprotectRtp(badVersion, length, out _));
            Assert.Equal(SrtpStatus.Malformed, receiver.UnprotectRtp(buffer, 11, out _));
            Assert.Equal(SrtpStatus.Malformed, receiver.UnprotectRtp(buffer, 12 + profile.RtpTagLength() - 1, out _));

            // None of that moved the receiver: the genuine packet still decrypts.
            Assert.Equal(SrtpStatus.Ok, receiver.UnprotectRtp(buffer, length, out int plainLength));
            Assert.Equal(plain, buffer.AsSpan(0, plainLength).ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void A_replayed_packet_is_refused_and_late_packets_inside_the_window_are_not(int profileNumber)
    {
        var profile = (SrtpProfile)profileNumber;
        (SrtpContext sender, SrtpContext receiver) = Pair(profile);
        using (sender)
        using (receiver)
        {
            var sent = new List<byte[]>();
            for (ushort seq = 0; seq < 200; seq++)
            {
                sent.Add(Protect(sender, Rtp(seq, 20)));
            }

            Assert.Equal(SrtpStatus.Ok, Unprotect(receiver, sent[0]));
            Assert.Equal(SrtpStatus.Replayed, Unprotect(receiver, sent[0]));
            Assert.Equal(SrtpStatus.Ok, Unprotect(receiver, sent[100]));
            Assert.Equal(SrtpStatus.Ok, Unprotect(receiver, sent[50]));   // 50 behind: inside the 64-packet window
            Assert.Equal(SrtpStatus.Replayed, Unprotect(receiver, sent[50]));
            Assert.Equal(SrtpStatus.Ok, Unprotect(receiver, sent[37]));   // 63 behind: the window's last slot
            Assert.Equal(SrtpStatus.TooOld, Unprotect(receiver, sent[36])); // 64 behind
            Assert.Equal(SrtpStatus.TooOld, Unprotect(receiver, sent[1]));
            Assert.Equal(SrtpStatus.Ok, Unprotect(receiver, sent[199]));
            Assert.Equal(SrtpStatus.Replayed, Unprotect(receiver, sent[199]));
            Assert.Equal(SrtpStatus.TooOld, Unprotect(receiver, sent[100])); // received, and now far behind
        }
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void The_rollover_counter_follows_the_sequence_number_across_a_wrap_even_reordered(int profileNumber)
    {
        var profile = (SrtpProfile)profileNumber;
        (SrtpContext sender, SrtpContext receiver) = Pair(profile);
        using (sender)
        using (receiver)
        {
            var sent = new List<(ushort Seq, byte[] Packet)>();
            for (int i = 0; i < (3 * 65536) + 40; i++)
            {
                ushort seq = (ushort)(65000 + i);
                byte[] packet = Protect(sender, Rtp(seq, 8));
                if (i % 1000 == 0 || seq is >= 65530 or < 6 || i > 3 * 65536)
                {
                    sent.Add((seq, packet)); // every 1000th packet, and all of them around each wrap (ROC 0 -> 1 -> 2 -> 3)
                }
            }

            // Around each wrap the last packet before it arrives after the first one after it.
            for (int i = 0; i + 1 < sent.Count; i++)
            {
                if (sent[i].Seq == 65535 && sent[i + 1].Seq == 0)
                {
                    (sent[i], sent[i + 1]) = (sent[i + 1], sent[i]);
                }
            }

            foreach ((ushort seq, byte[] packet) in sent)
            {
                Assert.True(Unprotect(receiver, packet) == SrtpStatus.Ok, $"sequence number {seq}");
            }

            // The ROC is part of the authenticated data (and of the GCM nonce): a receiver that joins after
            // the third wrap assumes ROC 0 and cannot authenticate.
            using SrtpContext late = Pair(profile).Receiver;
            Assert.Equal(SrtpStatus.AuthenticationFailed, Unprotect(late, sent[^1].Packet));
        }
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Rtcp_round_trips_encrypted_and_replays_are_refused(int profileNumber)
    {
        var profile = (SrtpProfile)profileNumber;
        (SrtpContext sender, SrtpContext receiver) = Pair(profile);
        using (sender)
        using (receiver)
        {
            byte[] rtcp = new byte[256];
            int rtcpLength = RtcpCompound.Write(rtcp, 0xCAFEBABE, new RtcpSenderInfo(1, 2, 3, 4), [], "leg@cc");
            byte[] plain = rtcp.AsSpan(0, rtcpLength).ToArray();
            byte[] first = null!;
            for (int i = 0; i < 5; i++)
            {
                byte[] buffer = new byte[plain.Length + 20];
                plain.CopyTo(buffer, 0);
                int length = sender.ProtectRtcp(buffer, plain.Length);
                Assert.Equal(plain.Length + 4 + profile.RtcpTagLength(), length);
                Assert.False(plain.AsSpan(8).SequenceEqual(buffer.AsSpan(8, plain.Length - 8)), "RTCP sent in the clear");
                first ??= buffer.AsSpan(0, length).ToArray();

                Assert.Equal(SrtpStatus.Ok, receiver.UnprotectRtcp(buffer, length, out int plainLength));
                Assert.Equal(plain, buffer.AsSpan(0, plainLength).ToArray());
                Assert.True(RtcpCompound.TryParse(buffer.AsSpan(0, plainLength), out _));
            }

            Assert.Equal(SrtpStatus.Replayed, receiver.UnprotectRtcp(first.ToArray(), first.Length, out _));
            byte[] tampered = first.ToArray();
            tampered[10] ^= 1;
            Assert.NotEqual(SrtpStatus.Ok, receiver.UnprotectRtcp(tampered, tampered.Length, out _));

            byte[] unencrypted = first.ToArray();
            int eAt = profile.IsAead() ? unencrypted.Length - 4 : unencrypted.Length - 14;
            unencrypted[eAt] &= 0x7F;
            Assert.Equal(SrtpStatus.Malformed, receiver.UnprotectRtcp(unencrypted, unencrypted.Length, out _));
        }
    }

    [Fact]
    public void A_context_keyed_differently_authenticates_nothing()
    {
        using SrtpContext sender = SrtpContext.Create(SrtpProfile.AesCm128HmacSha1_80, RandomNumberGenerator.GetBytes(16), RandomNumberGenerator.GetBytes(14));
        using SrtpContext stranger = SrtpContext.Create(SrtpProfile.AesCm128HmacSha1_80, RandomNumberGenerator.GetBytes(16), RandomNumberGenerator.GetBytes(14));
        Assert.Equal(SrtpStatus.AuthenticationFailed, Unprotect(stranger, Protect(sender, Rtp(1, 160))));
    }

    [Fact]
    public void New_sources_beyond_the_limit_are_refused()
    {
        byte[] key = RandomNumberGenerator.GetBytes(16);
        byte[] salt = RandomNumberGenerator.GetBytes(14);
        using SrtpContext sender = SrtpContext.Create(SrtpProfile.AesCm128HmacSha1_80, key, salt, maxSources: 4);
        using SrtpContext receiver = SrtpContext.Create(SrtpProfile.AesCm128HmacSha1_80, key, salt, maxSources: 2);
        Assert.Equal(SrtpStatus.Ok, Unprotect(receiver, Protect(sender, Rtp(1, 20, ssrc: 1))));
        Assert.Equal(SrtpStatus.Ok, Unprotect(receiver, Protect(sender, Rtp(1, 20, ssrc: 2))));
        Assert.Equal(SrtpStatus.TooManySources, Unprotect(receiver, Protect(sender, Rtp(1, 20, ssrc: 3))));
        Assert.Equal(SrtpStatus.Ok, Unprotect(receiver, Protect(sender, Rtp(2, 20, ssrc: 2))));
    }

    [Fact]
    public void Bad_master_keys_and_short_buffers_are_refused_with_a_clear_error()
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => SrtpContext.Create(SrtpProfile.AeadAes128Gcm, new byte[16], new byte[14]));
        Assert.Contains("AEAD_AES_128_GCM master salt is 12 bytes", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => SrtpContext.Create(SrtpProfile.AesCm128HmacSha1_80, new byte[15], new byte[14]));
        using SrtpContext sender = SrtpContext.Create(SrtpProfile.AesCm128HmacSha1_80, new byte[16], new byte[14]);
        byte[] plain = Rtp(1, 20);
        Assert.Throws<ArgumentException>(() => sender.ProtectRtp(plain, plain.Length));
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Protect_and_unprotect_allocate_nothing_per_packet(int profileNumber)
    {
        (SrtpContext sender, SrtpContext receiver) = Pair((SrtpProfile)profileNumber);
        using (sender)
        using (receiver)
        {
            byte[] buffer = new byte[200];
            byte[] rtcp = new byte[100];
            Rtp(0, 160).CopyTo(buffer, 0);
            RoundTrip(sender, receiver, buffer, rtcp, 0); // first use: per-source state and lazy crypto set-up

            long before = GC.GetAllocatedBytesForCurrentThread();
            for (ushort seq = 1; seq < 1001; seq++)
            {
                RoundTrip(sender, receiver, buffer, rtcp, seq);
            }

            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        static void RoundTrip(SrtpContext sender, SrtpContext receiver, byte[] buffer, byte[] rtcp, ushort seq)
        {
            BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(2), seq);
            int length = sender.ProtectRtp(buffer, 172);
            if (receiver.UnprotectRtp(buffer, length, out _) != SrtpStatus.Ok)
            {
                throw new InvalidOperationException("round trip failed");
            }

            rtcp[0] = 0x80;
            rtcp[1] = 201;
            rtcp[3] = 1;
            length = sender.ProtectRtcp(rtcp, 8);
            if (receiver.UnprotectRtcp(rtcp, length, out _) != SrtpStatus.Ok)
            {
                throw new InvalidOperationException("RTCP round trip failed");
            }
        }
    }

    internal static (SrtpContext Sender, SrtpContext Receiver) Pair(SrtpProfile profile)
    {
        byte[] key = RandomNumberGenerator.GetBytes(profile.KeyLength());
        byte[] salt = RandomNumberGenerator.GetBytes(profile.SaltLength());
        return (SrtpContext.Create(profile, key, salt), SrtpContext.Create(profile, key, salt));
    }

    internal static byte[] Rtp(ushort seq, int payloadLength, uint ssrc = 0x5501A0B2)
    {
        byte[] packet = new byte[12 + payloadLength];
        new RtpHeader { PayloadType = 0, SequenceNumber = seq, Timestamp = seq * 160u, Ssrc = ssrc }.WriteTo(packet);
        for (int i = 12; i < packet.Length; i++)
        {
            packet[i] = (byte)(i * 7);
        }

        return packet;
    }

    private static byte[] Protect(SrtpContext sender, byte[] plain)
    {
        byte[] buffer = new byte[plain.Length + 16];
        plain.CopyTo(buffer, 0);
        return buffer.AsSpan(0, sender.ProtectRtp(buffer, plain.Length)).ToArray();
    }

    private static SrtpStatus Unprotect(SrtpContext receiver, byte[] packet) => receiver.UnprotectRtp(packet.ToArray(), packet.Length, out _);
}

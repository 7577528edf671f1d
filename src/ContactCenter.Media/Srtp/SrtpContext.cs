using System.Buffers.Binary;
using System.Security.Cryptography;

namespace ContactCenter.Media.Srtp;

/// <summary>
/// One direction's SRTP crypto context (RFC 3711 §3.2): the session keys derived from one master
/// key and salt, and the per-SSRC packet indices. The sender's context protects; the receiver's,
/// made from the same master key, unprotects. Everything happens in place in the caller's buffer,
/// with scratch space owned by the context: no allocation per packet.
/// <list type="bullet">
/// <item>AES_CM_128_HMAC_SHA1_80 / _32: AES-CM encryption (RFC 3711 §4.1.1), HMAC-SHA1 over the
/// packet and ROC (§4.2), the tag truncated to 80 or 32 bits (SRTCP always 80).</item>
/// <item>AEAD_AES_128_GCM (RFC 7714): the header as associated data, 16-byte tag, 96-bit IV from
/// SSRC, ROC and sequence number (§8.1) or the SRTCP index (§9.1).</item>
/// </list>
/// Receiving: the ROC is estimated from the highest index so far (Appendix A), the replay window is
/// 64 packets (§3.3.2) and state only moves once a packet has authenticated. SRTCP is always
/// encrypted (E = 1) both ways: UNENCRYPTED_SRTCP is never offered, so an E = 0 packet is refused.
/// No MKI and a key derivation rate of 0 (as DTLS-SRTP and almost every SDES offer use).
/// <para>
/// Threads: the SRTP half (<see cref="ProtectRtp"/> / <see cref="UnprotectRtp"/>) and the SRTCP
/// half (<see cref="ProtectRtcp"/> / <see cref="UnprotectRtcp"/>) are independent; each must be used
/// by one thread at a time.
/// </para>
/// </summary>
internal sealed class SrtpContext : IDisposable
{
    /// <summary>SSRCs one context follows at most (a leg has one or two; a bound on forged state).</summary>
    public const int DefaultMaxSources = 16;

    private readonly Half rtp;
    private readonly Half rtcp;

    /// <summary>Builds a context from session keys directly (the RFC 7714 vectors give those).</summary>
    internal SrtpContext(SrtpProfile profile, SrtpSessionKeys rtpKeys, SrtpSessionKeys rtcpKeys, int maxSources = DefaultMaxSources)
    {
        Profile = profile;
        rtp = new Half(profile, rtpKeys, profile.RtpTagLength(), maxSources);
        rtcp = new Half(profile, rtcpKeys, profile.RtcpTagLength(), maxSources);
    }

    /// <summary>The profile.</summary>
    public SrtpProfile Profile { get; }

    /// <summary>Bytes <see cref="ProtectRtp"/> adds to a packet.</summary>
    public int RtpOverhead => Profile.RtpTagLength();

    /// <summary>Bytes <see cref="ProtectRtcp"/> adds to a packet (SRTCP index and tag).</summary>
    public int RtcpOverhead => 4 + Profile.RtcpTagLength();

    /// <summary>Creates a context from a master key and salt (from DTLS-SRTP's exporter or an SDES a=crypto line).</summary>
    public static SrtpContext Create(SrtpProfile profile, ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt, int maxSources = DefaultMaxSources) =>
        new(profile,
            SrtpSessionKeys.Derive(profile, masterKey, masterSalt, rtcp: false),
            SrtpSessionKeys.Derive(profile, masterKey, masterSalt, rtcp: true),
            maxSources);

    /// <summary>
    /// Protects the RTP packet in <paramref name="buffer"/>[..<paramref name="length"/>]; returns the SRTP length
    /// (<paramref name="length"/> + <see cref="RtpOverhead"/>, which the buffer must have room for).
    /// </summary>
    public int ProtectRtp(Span<byte> buffer, int length) => rtp.ProtectRtp(buffer, length);

    /// <summary>Authenticates, replay-checks and decrypts the SRTP packet in place; on Ok, <paramref name="plainLength"/> is the RTP length.</summary>
    public SrtpStatus UnprotectRtp(Span<byte> buffer, int length, out int plainLength) => rtp.UnprotectRtp(buffer, length, out plainLength);

    /// <summary>Protects the (compound) RTCP packet in place; returns the SRTCP length (+ <see cref="RtcpOverhead"/>).</summary>
    public int ProtectRtcp(Span<byte> buffer, int length) => rtcp.ProtectRtcp(buffer, length);

    /// <summary>Authenticates, replay-checks and decrypts the SRTCP packet in place; on Ok, <paramref name="plainLength"/> is the RTCP length.</summary>
    public SrtpStatus UnprotectRtcp(Span<byte> buffer, int length, out int plainLength) => rtcp.UnprotectRtcp(buffer, length, out plainLength);

    /// <inheritdoc />
    public void Dispose()
    {
        rtp.Dispose();
        rtcp.Dispose();
    }

    /// <summary>The RTP header's length (fixed part, CSRCs, extension), or -1 when it is not RTP version 2.</summary>
    internal static int RtpHeaderLength(ReadOnlySpan<byte> packet)
    {
        if (packet.Length < 12 || (packet[0] >> 6) != 2)
        {
            return -1;
        }

        int length = 12 + (4 * (packet[0] & 0x0F));
        if ((packet[0] & 0x10) != 0)
        {
            if (packet.Length < length + 4)
            {
                return -1;
            }

            length += 4 + (4 * BinaryPrimitives.ReadUInt16BigEndian(packet[(length + 2)..]));
        }

        return length <= packet.Length ? length : -1;
    }

    /// <summary>The SRTP or the SRTCP half: its keys, cipher, MAC and sources.</summary>
    private sealed class Half : IDisposable
    {
        private readonly SrtpSessionKeys keys;
        private readonly int tagLength;
        private readonly AesCounterMode? counterMode;
        private readonly IncrementalHash? hmac;
        private readonly AesGcm? gcm;
        private readonly SrtpSourceTable sources;
        private readonly byte[] mac = new byte[20];
        private readonly byte[] aad = new byte[12];

        public Half(SrtpProfile profile, SrtpSessionKeys keys, int tagLength, int maxSources)
        {
            this.keys = keys;
            this.tagLength = tagLength;
            sources = new SrtpSourceTable(maxSources);
            if (profile.IsAead())
            {
                gcm = new AesGcm(keys.CipherKey, 16);
            }
            else
            {
                counterMode = new AesCounterMode(keys.CipherKey);
                hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA1, keys.AuthenticationKey);
            }
        }

        public int ProtectRtp(Span<byte> buffer, int length)
        {
            int header = RtpHeaderLength(buffer[..length]);
            if (header < 0)
            {
                throw new ArgumentException("Not an RTP version 2 packet.", nameof(buffer));
            }

            if (buffer.Length < length + tagLength)
            {
                throw new ArgumentException($"SRTP needs {tagLength} bytes of room after the packet.", nameof(buffer));
            }

            uint ssrc = BinaryPrimitives.ReadUInt32BigEndian(buffer[8..]);
            ushort seq = BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]);
            int slot = sources.Find(ssrc);
            ulong index;
            if (slot < 0)
            {
                index = seq; // RFC 3711 §3.3.1: the ROC starts at 0
                sources.Add(ssrc, index);
            }
            else
            {
                ref SrtpSourceTable.Source source = ref sources[slot];
                long estimate = source.EstimateIndex(seq);
                index = estimate < 0 ? seq : (ulong)estimate;
                if (index > source.Highest)
                {
                    source.Highest = index;
                }
            }

            uint roc = (uint)(index >> 16);
            Span<byte> payload = buffer[header..length];
            if (gcm is not null)
            {
                Span<byte> nonce = stackalloc byte[12];
                RtpNonce(nonce, ssrc, roc, seq);
                gcm.Encrypt(nonce, payload, payload, buffer.Slice(length, 16), buffer[..header]);
                return length + 16;
            }

            Span<byte> iv = stackalloc byte[16];
            CounterIv(iv, ssrc, index);
            counterMode!.Apply(iv, payload);
            Authenticate(buffer[..length], roc, withRoc: true);
            mac.AsSpan(0, tagLength).CopyTo(buffer[length..]);
            return length + tagLength;
        }

        public SrtpStatus UnprotectRtp(Span<byte> buffer, int length, out int plainLength)
        {
            plainLength = 0;
            int header = RtpHeaderLength(buffer[..Math.Max(0, length - tagLength)]);
            if (header < 0 || length - tagLength < header)
            {
                return SrtpStatus.Malformed;
            }

            uint ssrc = BinaryPrimitives.ReadUInt32BigEndian(buffer[8..]);
            ushort seq = BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]);
            int slot = sources.Find(ssrc);
            ulong index;
            if (slot < 0)
            {
                if (!sources.HasRoom)
                {
                    return SrtpStatus.TooManySources;
                }

                index = seq;
            }
            else
            {
                ref SrtpSourceTable.Source source = ref sources[slot];
                long estimate = source.EstimateIndex(seq);
                if (estimate < 0)
                {
                    return SrtpStatus.TooOld;
                }

                index = (ulong)estimate;
                SrtpStatus replay = source.Check(index);
                if (replay != SrtpStatus.Ok)
                {
                    return replay;
                }
            }

            uint roc = (uint)(index >> 16);
            int end = length - tagLength;
            Span<byte> payload = buffer[header..end];
            if (gcm is not null)
            {
                Span<byte> nonce = stackalloc byte[12];
                RtpNonce(nonce, ssrc, roc, seq);
                try
                {
                    gcm.Decrypt(nonce, payload, buffer.Slice(end, 16), payload, buffer[..header]);
                }
                catch (AuthenticationTagMismatchException)
                {
                    return SrtpStatus.AuthenticationFailed;
                }
            }
            else
            {
                Authenticate(buffer[..end], roc, withRoc: true);
                if (!CryptographicOperations.FixedTimeEquals(mac.AsSpan(0, tagLength), buffer.Slice(end, tagLength)))
                {
                    return SrtpStatus.AuthenticationFailed;
                }

                Span<byte> iv = stackalloc byte[16];
                CounterIv(iv, ssrc, index);
                counterMode!.Apply(iv, payload);
            }

            if (slot < 0)
            {
                sources.Add(ssrc, index);
            }
            else
            {
                sources[slot].Accept(index);
            }

            plainLength = end;
            return SrtpStatus.Ok;
        }

        public int ProtectRtcp(Span<byte> buffer, int length)
        {
            if (length < 8 || (buffer[0] >> 6) != 2)
            {
                throw new ArgumentException("Not an RTCP version 2 packet.", nameof(buffer));
            }

            if (buffer.Length < length + 4 + tagLength)
            {
                throw new ArgumentException($"SRTCP needs {4 + tagLength} bytes of room after the packet.", nameof(buffer));
            }

            uint ssrc = BinaryPrimitives.ReadUInt32BigEndian(buffer[4..]);
            int slot = sources.Find(ssrc);
            if (slot < 0)
            {
                slot = sources.Add(ssrc, 0);
            }

            ref SrtpSourceTable.Source source = ref sources[slot];
            uint index = source.NextRtcpIndex;
            source.NextRtcpIndex = (index + 1) & 0x7FFFFFFF;
            uint eAndIndex = 0x80000000 | index;
            Span<byte> payload = buffer[8..length];
            if (gcm is not null)
            {
                // RFC 7714 §9: header || ciphertext || tag || E+index; the AAD is the first 8 bytes and E+index.
                Span<byte> nonce = stackalloc byte[12];
                RtcpNonce(nonce, ssrc, index);
                buffer[..8].CopyTo(aad);
                BinaryPrimitives.WriteUInt32BigEndian(aad.AsSpan(8), eAndIndex);
                gcm.Encrypt(nonce, payload, payload, buffer.Slice(length, 16), aad);
                BinaryPrimitives.WriteUInt32BigEndian(buffer[(length + 16)..], eAndIndex);
                return length + 20;
            }

            Span<byte> iv = stackalloc byte[16];
            CounterIv(iv, ssrc, index);
            counterMode!.Apply(iv, payload);
            BinaryPrimitives.WriteUInt32BigEndian(buffer[length..], eAndIndex);
            Authenticate(buffer[..(length + 4)], 0, withRoc: false);
            mac.AsSpan(0, tagLength).CopyTo(buffer[(length + 4)..]);
            return length + 4 + tagLength;
        }

        public SrtpStatus UnprotectRtcp(Span<byte> buffer, int length, out int plainLength)
        {
            plainLength = 0;
            if (length < 8 + 4 + tagLength || (buffer[0] >> 6) != 2)
            {
                return SrtpStatus.Malformed;
            }

            uint ssrc = BinaryPrimitives.ReadUInt32BigEndian(buffer[4..]);
            int indexAt = gcm is not null ? length - 4 : length - tagLength - 4;
            uint eAndIndex = BinaryPrimitives.ReadUInt32BigEndian(buffer[indexAt..]);
            if ((eAndIndex & 0x80000000) == 0)
            {
                // E = 0: unencrypted SRTCP, which only an SDES UNENCRYPTED_SRTCP offer allows; never offered.
                return SrtpStatus.Malformed;
            }

            uint index = eAndIndex & 0x7FFFFFFF;
            int slot = sources.Find(ssrc);
            if (slot < 0)
            {
                if (!sources.HasRoom)
                {
                    return SrtpStatus.TooManySources;
                }
            }
            else
            {
                SrtpStatus replay = sources[slot].Check(index);
                if (replay != SrtpStatus.Ok)
                {
                    return replay;
                }
            }

            int end;
            if (gcm is not null)
            {
                end = length - 20;
                Span<byte> nonce = stackalloc byte[12];
                RtcpNonce(nonce, ssrc, index);
                Span<byte> tag = buffer.Slice(end, 16);
                try
                {
                    buffer[..8].CopyTo(aad);
                    BinaryPrimitives.WriteUInt32BigEndian(aad.AsSpan(8), eAndIndex);
                    Span<byte> payload = buffer[8..end];
                    gcm.Decrypt(nonce, payload, tag, payload, aad);
                }
                catch (AuthenticationTagMismatchException)
                {
                    return SrtpStatus.AuthenticationFailed;
                }
            }
            else
            {
                end = indexAt;
                Authenticate(buffer[..(indexAt + 4)], 0, withRoc: false);
                if (!CryptographicOperations.FixedTimeEquals(mac.AsSpan(0, tagLength), buffer.Slice(indexAt + 4, tagLength)))
                {
                    return SrtpStatus.AuthenticationFailed;
                }

                Span<byte> iv = stackalloc byte[16];
                CounterIv(iv, ssrc, index);
                counterMode!.Apply(iv, buffer[8..end]);
            }

            if (slot < 0)
            {
                sources.Add(ssrc, index);
            }
            else
            {
                sources[slot].Accept(index);
            }

            plainLength = end;
            return SrtpStatus.Ok;
        }

        public void Dispose()
        {
            counterMode?.Dispose();
            hmac?.Dispose();
            gcm?.Dispose();
            keys.Clear();
        }

        /// <summary>HMAC-SHA1 of the authenticated portion (and the ROC for SRTP) into <see cref="mac"/>.</summary>
        private void Authenticate(ReadOnlySpan<byte> authenticated, uint roc, bool withRoc)
        {
            hmac!.AppendData(authenticated);
            if (withRoc)
            {
                Span<byte> rocBytes = stackalloc byte[4];
                BinaryPrimitives.WriteUInt32BigEndian(rocBytes, roc);
                hmac.AppendData(rocBytes);
            }

            hmac.TryGetHashAndReset(mac, out _);
        }

        /// <summary>RFC 3711 §4.1.1: IV = (k_s · 2^16) XOR (SSRC · 2^64) XOR (i · 2^16).</summary>
        private void CounterIv(Span<byte> iv, uint ssrc, ulong index)
        {
            iv.Clear();
            keys.Salt.CopyTo(iv);
            Span<byte> word = stackalloc byte[8];
            BinaryPrimitives.WriteUInt32BigEndian(word, ssrc);
            for (int i = 0; i < 4; i++)
            {
                iv[4 + i] ^= word[i];
            }

            BinaryPrimitives.WriteUInt64BigEndian(word, index << 16);
            for (int i = 0; i < 8; i++)
            {
                iv[8 + i] ^= word[i];
            }
        }

        /// <summary>RFC 7714 §8.1: IV = (0x0000 || SSRC || ROC || SEQ) XOR salt.</summary>
        private void RtpNonce(Span<byte> nonce, uint ssrc, uint roc, ushort seq)
        {
            nonce[0] = 0;
            nonce[1] = 0;
            BinaryPrimitives.WriteUInt32BigEndian(nonce[2..], ssrc);
            BinaryPrimitives.WriteUInt32BigEndian(nonce[6..], roc);
            BinaryPrimitives.WriteUInt16BigEndian(nonce[10..], seq);
            AesCounterMode.Xor(nonce, keys.Salt);
        }

        /// <summary>RFC 7714 §9.1: IV = (0x0000 || SSRC || 0x0000 || 0 || SRTCP index) XOR salt.</summary>
        private void RtcpNonce(Span<byte> nonce, uint ssrc, uint index)
        {
            nonce.Clear();
            BinaryPrimitives.WriteUInt32BigEndian(nonce[2..], ssrc);
            BinaryPrimitives.WriteUInt32BigEndian(nonce[8..], index);
            AesCounterMode.Xor(nonce, keys.Salt);
        }
    }
}

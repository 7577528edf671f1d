using System.Buffers.Binary;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using ContactCenter.Media.Rtp;
using ContactCenter.Media.Srtp;

namespace ContactCenter.Media.Benchmarks;

/// <summary>
/// SRTP per 20 ms G.711 packet (12-byte header, 160-byte payload) against the plain relay's own work on
/// a packet: parse the header, rewrite SSRC, sequence number and timestamp, copy it out (the baseline,
/// what <c>RtpIoLoop</c> does for a bridged leg besides the two system calls). A browser leg bridged to
/// a G.711 leg adds one SRTP operation per relayed packet: unprotect what the browser sends, or
/// protect what goes to it; <see cref="ProtectAndUnprotect"/> is both, one packet's round trip.
/// </summary>
[MemoryDiagnoser]
public class SrtpBenchmarks
{
    private readonly byte[] plain = new byte[172];
    private readonly byte[] buffer = new byte[200];
    private readonly byte[] relayed = new byte[172];
    private SrtpContext sender = null!;
    private SrtpContext receiver = null!;
    private ushort sequence;

    /// <summary>The crypto suite (the SDES name; the profile type is internal).</summary>
    [Params("AES_CM_128_HMAC_SHA1_80", "AEAD_AES_128_GCM")]
    public string Suite { get; set; } = "";

    private SrtpProfile Profile => SrtpProfiles.FromSdesName(Suite) ?? throw new InvalidOperationException(Suite);

    [GlobalSetup]
    public void Setup()
    {
        byte[] key = RandomNumberGenerator.GetBytes(Profile.KeyLength());
        byte[] salt = RandomNumberGenerator.GetBytes(Profile.SaltLength());
        sender = SrtpContext.Create(Profile, key, salt);
        receiver = SrtpContext.Create(Profile, key, salt);
        new RtpHeader { PayloadType = 0, SequenceNumber = 1, Timestamp = 160, Ssrc = 0x5501A0B2 }.WriteTo(plain);
        RandomNumberGenerator.Fill(plain.AsSpan(12));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        sender.Dispose();
        receiver.Dispose();
    }

    /// <summary>The plain relay's work on one packet: parse, rewrite the header, copy the payload.</summary>
    [Benchmark(Baseline = true)]
    public int PlainParseAndRewrite()
    {
        if (!RtpHeader.TryParse(plain, out RtpHeader header))
        {
            return -1;
        }

        new RtpHeader { PayloadType = header.PayloadType, Marker = header.Marker, SequenceNumber = (ushort)(header.SequenceNumber + 7), Timestamp = header.Timestamp + 1600, Ssrc = 42 }.WriteTo(relayed);
        plain.AsSpan(header.HeaderLength, header.PayloadLength).CopyTo(relayed.AsSpan(12));
        return header.PayloadLength;
    }

    /// <summary>Protect one packet (the relay sending to a browser).</summary>
    [Benchmark]
    public int Protect()
    {
        plain.CopyTo(buffer, 0);
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(2), ++sequence);
        return sender.ProtectRtp(buffer, plain.Length);
    }

    /// <summary>Protect and unprotect one packet (a fresh sequence number each time, so the replay check passes).</summary>
    [Benchmark]
    public int ProtectAndUnprotect()
    {
        plain.CopyTo(buffer, 0);
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(2), ++sequence);
        int length = sender.ProtectRtp(buffer, plain.Length);
        return receiver.UnprotectRtp(buffer, length, out int plainLength) == SrtpStatus.Ok ? plainLength : -1;
    }
}

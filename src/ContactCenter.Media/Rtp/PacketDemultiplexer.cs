namespace ContactCenter.Media.Rtp;

/// <summary>What arrived on a port shared by ICE, DTLS and RTP/RTCP.</summary>
internal enum PacketKind
{
    /// <summary>None of the below (ZRTP, TURN channel data, garbage): dropped.</summary>
    Unknown,

    /// <summary>STUN: first byte 0-3.</summary>
    Stun,

    /// <summary>DTLS record: first byte 20-63.</summary>
    Dtls,

    /// <summary>RTP: first byte 128-191, second byte not an RTCP packet type.</summary>
    Rtp,

    /// <summary>RTCP under rtcp-mux: first byte 128-191, second byte 192-223 (RFC 5761 §4).</summary>
    Rtcp,
}

/// <summary>
/// One media port carries STUN, DTLS and SRTP/SRTCP (RFC 7983 §7, which updates RFC 5764 §5.1.2):
/// the first byte tells them apart, and with rtcp-mux the second byte tells RTCP from RTP.
/// </summary>
internal static class PacketDemultiplexer
{
    /// <summary>Classifies a datagram by its first (and for RTP/RTCP, second) byte.</summary>
    public static PacketKind Classify(ReadOnlySpan<byte> packet)
    {
        if (packet.IsEmpty)
        {
            return PacketKind.Unknown;
        }

        byte first = packet[0];
        return first switch
        {
            <= 3 => PacketKind.Stun,
            >= 20 and <= 63 => PacketKind.Dtls,
            >= 128 and <= 191 when packet.Length >= 2 => packet[1] is >= 192 and <= 223 ? PacketKind.Rtcp : PacketKind.Rtp,
            _ => PacketKind.Unknown,
        };
    }
}

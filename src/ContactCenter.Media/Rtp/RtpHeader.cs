using System.Buffers.Binary;

namespace ContactCenter.Media.Rtp;

/// <summary>
/// The fixed RTP header (RFC 3550 §5.1) of one packet, parsed from or written to a span.
/// CSRC lists and header extensions are skipped on parse (<see cref="HeaderLength"/> says where
/// the payload starts) and never written.
/// </summary>
public readonly record struct RtpHeader
{
    /// <summary>Length of the fixed header with no CSRCs and no extension.</summary>
    public const int FixedLength = 12;

    /// <summary>Marker bit (start of a talk spurt, or the first packet of a DTMF event).</summary>
    public bool Marker { get; init; }

    /// <summary>Payload type, 0-127.</summary>
    public byte PayloadType { get; init; }

    /// <summary>Sequence number.</summary>
    public ushort SequenceNumber { get; init; }

    /// <summary>Media timestamp (8 kHz units for G.711 and telephone-event).</summary>
    public uint Timestamp { get; init; }

    /// <summary>Synchronisation source.</summary>
    public uint Ssrc { get; init; }

    /// <summary>Bytes of header (fixed part, CSRCs, extension) before the payload on parse.</summary>
    public int HeaderLength { get; init; }

    /// <summary>Payload bytes after removing padding, on parse.</summary>
    public int PayloadLength { get; init; }

    /// <summary>
    /// Parses an RTP packet. Returns false (never throws) for anything that is not a
    /// well-formed version 2 RTP packet, including RTCP packet types 200-204 sent to the RTP port.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> packet, out RtpHeader header)
    {
        header = default;
        if (packet.Length < FixedLength)
        {
            return false;
        }

        byte b0 = packet[0];
        if ((b0 >> 6) != 2)
        {
            return false;
        }

        byte b1 = packet[1];
        int payloadType = b1 & 0x7F;
        if (payloadType is >= 72 and <= 76)
        {
            // RFC 5761 §4: these values would collide with RTCP SR/RR/SDES/BYE/APP.
            return false;
        }

        int csrcCount = b0 & 0x0F;
        int offset = FixedLength + (4 * csrcCount);
        if (packet.Length < offset)
        {
            return false;
        }

        if ((b0 & 0x10) != 0)
        {
            if (packet.Length < offset + 4)
            {
                return false;
            }

            int extensionWords = BinaryPrimitives.ReadUInt16BigEndian(packet.Slice(offset + 2, 2));
            offset += 4 + (4 * extensionWords);
            if (packet.Length < offset)
            {
                return false;
            }
        }

        int end = packet.Length;
        if ((b0 & 0x20) != 0)
        {
            int padding = packet[^1];
            if (padding == 0 || end - padding < offset)
            {
                return false;
            }

            end -= padding;
        }

        header = new RtpHeader
        {
            Marker = (b1 & 0x80) != 0,
            PayloadType = (byte)payloadType,
            SequenceNumber = BinaryPrimitives.ReadUInt16BigEndian(packet.Slice(2, 2)),
            Timestamp = BinaryPrimitives.ReadUInt32BigEndian(packet.Slice(4, 4)),
            Ssrc = BinaryPrimitives.ReadUInt32BigEndian(packet.Slice(8, 4)),
            HeaderLength = offset,
            PayloadLength = end - offset,
        };
        return true;
    }

    /// <summary>Writes the 12-byte fixed header (no CSRC, no extension, no padding); returns 12.</summary>
    public int WriteTo(Span<byte> destination)
    {
        if (destination.Length < FixedLength)
        {
            throw new ArgumentException("An RTP header needs 12 bytes.", nameof(destination));
        }

        if (PayloadType > 127)
        {
            throw new InvalidOperationException($"RTP payload type {PayloadType} is out of range 0-127.");
        }

        destination[0] = 0x80;
        destination[1] = (byte)((Marker ? 0x80 : 0) | PayloadType);
        BinaryPrimitives.WriteUInt16BigEndian(destination.Slice(2, 2), SequenceNumber);
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(4, 4), Timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(8, 4), Ssrc);
        return FixedLength;
    }
}

using System.Buffers.Binary;
using System.Text;

namespace ContactCenter.Media.Rtp;

/// <summary>One reception report block of an RTCP SR or RR (RFC 3550 §6.4.1).</summary>
public readonly record struct RtcpReportBlock(
    uint Ssrc,
    byte FractionLost,
    int CumulativeLost,
    uint ExtendedHighestSequence,
    uint Jitter,
    uint LastSenderReport,
    uint DelaySinceLastSenderReport);

/// <summary>Sender information of an RTCP SR (RFC 3550 §6.4.1).</summary>
public readonly record struct RtcpSenderInfo(ulong NtpTimestamp, uint RtpTimestamp, uint PacketCount, uint OctetCount);

/// <summary>What one received compound RTCP packet said (only the parts the engine uses).</summary>
public sealed class RtcpCompound
{
    /// <summary>SSRC of the SR/RR sender.</summary>
    public uint Ssrc { get; private set; }

    /// <summary>Sender information when the compound held an SR.</summary>
    public RtcpSenderInfo? SenderInfo { get; private set; }

    /// <summary>Reception report blocks of the SR/RR.</summary>
    public IReadOnlyList<RtcpReportBlock> Reports => reports;

    /// <summary>CNAME from SDES, when present.</summary>
    public string? CanonicalName { get; private set; }

    /// <summary>True when the compound held a BYE.</summary>
    public bool Bye { get; private set; }

    private readonly List<RtcpReportBlock> reports = [];

    /// <summary>Parses a compound RTCP packet; false (never an exception) when it is malformed.</summary>
    public static bool TryParse(ReadOnlySpan<byte> data, out RtcpCompound? compound)
    {
        compound = null;
        var result = new RtcpCompound();
        int offset = 0;
        bool any = false;
        while (offset + 4 <= data.Length)
        {
            byte b0 = data[offset];
            if ((b0 >> 6) != 2)
            {
                return false;
            }

            int count = b0 & 0x1F;
            byte type = data[offset + 1];
            int length = (BinaryPrimitives.ReadUInt16BigEndian(data.Slice(offset + 2, 2)) + 1) * 4;
            if (offset + length > data.Length)
            {
                return false;
            }

            ReadOnlySpan<byte> packet = data.Slice(offset, length);
            switch (type)
            {
                case 200:
                    if (packet.Length < 28 + (24 * count))
                    {
                        return false;
                    }

                    result.Ssrc = BinaryPrimitives.ReadUInt32BigEndian(packet.Slice(4, 4));
                    result.SenderInfo = new RtcpSenderInfo(
                        BinaryPrimitives.ReadUInt64BigEndian(packet.Slice(8, 8)),
                        BinaryPrimitives.ReadUInt32BigEndian(packet.Slice(16, 4)),
                        BinaryPrimitives.ReadUInt32BigEndian(packet.Slice(20, 4)),
                        BinaryPrimitives.ReadUInt32BigEndian(packet.Slice(24, 4)));
                    ReadBlocks(packet.Slice(28), count, result.reports);
                    break;
                case 201:
                    if (packet.Length < 8 + (24 * count))
                    {
                        return false;
                    }

                    result.Ssrc = BinaryPrimitives.ReadUInt32BigEndian(packet.Slice(4, 4));
                    ReadBlocks(packet.Slice(8), count, result.reports);
                    break;
                case 202:
                    result.CanonicalName = ReadCname(packet);
                    break;
                case 203:
                    result.Bye = true;
                    break;
                default:
                    break;
            }

            any = true;
            offset += length;
        }

        if (!any || offset != data.Length)
        {
            return false;
        }

        compound = result;
        return true;
    }

    /// <summary>
    /// Writes a compound SR (when <paramref name="senderInfo"/> is given) or RR, followed by an
    /// SDES CNAME and, when <paramref name="bye"/>, a BYE. Returns the bytes written.
    /// </summary>
    public static int Write(
        Span<byte> destination,
        uint ssrc,
        RtcpSenderInfo? senderInfo,
        ReadOnlySpan<RtcpReportBlock> blocks,
        string cname,
        bool bye = false)
    {
        if (blocks.Length > 31)
        {
            throw new ArgumentException("At most 31 report blocks fit one SR/RR.", nameof(blocks));
        }

        int offset = 0;
        int headerLength = senderInfo is null ? 8 : 28;
        int length = headerLength + (24 * blocks.Length);
        destination[0] = (byte)(0x80 | blocks.Length);
        destination[1] = senderInfo is null ? (byte)201 : (byte)200;
        BinaryPrimitives.WriteUInt16BigEndian(destination.Slice(2, 2), (ushort)((length / 4) - 1));
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(4, 4), ssrc);
        if (senderInfo is { } info)
        {
            BinaryPrimitives.WriteUInt64BigEndian(destination.Slice(8, 8), info.NtpTimestamp);
            BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(16, 4), info.RtpTimestamp);
            BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(20, 4), info.PacketCount);
            BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(24, 4), info.OctetCount);
        }

        offset = headerLength;
        foreach (RtcpReportBlock block in blocks)
        {
            Span<byte> b = destination.Slice(offset, 24);
            BinaryPrimitives.WriteUInt32BigEndian(b, block.Ssrc);
            int lost = Math.Clamp(block.CumulativeLost, -0x800000, 0x7FFFFF) & 0xFFFFFF;
            BinaryPrimitives.WriteUInt32BigEndian(b.Slice(4), ((uint)block.FractionLost << 24) | (uint)lost);
            BinaryPrimitives.WriteUInt32BigEndian(b.Slice(8), block.ExtendedHighestSequence);
            BinaryPrimitives.WriteUInt32BigEndian(b.Slice(12), block.Jitter);
            BinaryPrimitives.WriteUInt32BigEndian(b.Slice(16), block.LastSenderReport);
            BinaryPrimitives.WriteUInt32BigEndian(b.Slice(20), block.DelaySinceLastSenderReport);
            offset += 24;
        }

        // SDES with one chunk: SSRC, CNAME item, terminating null, padded to 32 bits.
        int nameLength = Math.Min(Encoding.ASCII.GetByteCount(cname), 255);
        int chunk = 4 + 2 + nameLength + 1;
        chunk = (chunk + 3) & ~3;
        Span<byte> sdes = destination.Slice(offset, 4 + chunk);
        sdes.Clear();
        sdes[0] = 0x81;
        sdes[1] = 202;
        BinaryPrimitives.WriteUInt16BigEndian(sdes.Slice(2, 2), (ushort)(((4 + chunk) / 4) - 1));
        BinaryPrimitives.WriteUInt32BigEndian(sdes.Slice(4, 4), ssrc);
        sdes[8] = 1;
        sdes[9] = (byte)nameLength;
        Encoding.ASCII.GetBytes(cname.AsSpan(0, Math.Min(cname.Length, nameLength)), sdes.Slice(10));
        offset += 4 + chunk;

        if (bye)
        {
            destination[offset] = 0x81;
            destination[offset + 1] = 203;
            BinaryPrimitives.WriteUInt16BigEndian(destination.Slice(offset + 2, 2), 1);
            BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(offset + 4, 4), ssrc);
            offset += 8;
        }

        return offset;
    }

    private static void ReadBlocks(ReadOnlySpan<byte> data, int count, List<RtcpReportBlock> into)
    {
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<byte> b = data.Slice(24 * i, 24);
            uint lostWord = BinaryPrimitives.ReadUInt32BigEndian(b.Slice(4, 4));
            int cumulative = (int)(lostWord & 0xFFFFFF);
            if ((cumulative & 0x800000) != 0)
            {
                cumulative -= 0x1000000;
            }

            into.Add(new RtcpReportBlock(
                BinaryPrimitives.ReadUInt32BigEndian(b),
                (byte)(lostWord >> 24),
                cumulative,
                BinaryPrimitives.ReadUInt32BigEndian(b.Slice(8, 4)),
                BinaryPrimitives.ReadUInt32BigEndian(b.Slice(12, 4)),
                BinaryPrimitives.ReadUInt32BigEndian(b.Slice(16, 4)),
                BinaryPrimitives.ReadUInt32BigEndian(b.Slice(20, 4))));
        }
    }

    private static string? ReadCname(ReadOnlySpan<byte> packet)
    {
        int offset = 8;
        while (offset + 2 <= packet.Length)
        {
            byte item = packet[offset];
            if (item == 0)
            {
                return null;
            }

            int length = packet[offset + 1];
            if (offset + 2 + length > packet.Length)
            {
                return null;
            }

            if (item == 1)
            {
                return Encoding.ASCII.GetString(packet.Slice(offset + 2, length));
            }

            offset += 2 + length;
        }

        return null;
    }
}

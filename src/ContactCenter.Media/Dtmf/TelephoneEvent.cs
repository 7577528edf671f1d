using System.Buffers.Binary;

namespace ContactCenter.Media.Dtmf;

/// <summary>The 4-byte RFC 4733 §2.3 telephone-event payload.</summary>
public readonly record struct TelephoneEvent(byte Event, bool End, byte Volume, ushort Duration)
{
    /// <summary>Payload length.</summary>
    public const int Length = 4;

    /// <summary>Parses the payload; false when it is shorter than 4 bytes.</summary>
    public static bool TryParse(ReadOnlySpan<byte> payload, out TelephoneEvent value)
    {
        if (payload.Length < Length)
        {
            value = default;
            return false;
        }

        value = new TelephoneEvent(
            payload[0],
            (payload[1] & 0x80) != 0,
            (byte)(payload[1] & 0x3F),
            BinaryPrimitives.ReadUInt16BigEndian(payload.Slice(2, 2)));
        return true;
    }

    /// <summary>Writes the payload; returns 4.</summary>
    public int WriteTo(Span<byte> destination)
    {
        destination[0] = Event;
        destination[1] = (byte)((End ? 0x80 : 0) | (Volume & 0x3F));
        BinaryPrimitives.WriteUInt16BigEndian(destination.Slice(2, 2), Duration);
        return Length;
    }
}

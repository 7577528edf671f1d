using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;

namespace ContactCenter.Media.Ice;

/// <summary>
/// A STUN message (RFC 8489) parsed in place: the header, and where the attributes ICE needs are.
/// Nothing is copied; the spans point into the packet. Attributes after MESSAGE-INTEGRITY other than
/// FINGERPRINT are ignored (§14.5), and nothing may follow FINGERPRINT (§14.7).
/// </summary>
internal ref struct StunMessage
{
    /// <summary>The most unknown comprehension-required attribute types remembered for a 420 answer.</summary>
    public const int MaxUnknownAttributes = 4;

    private ushort unknown0;
    private ushort unknown1;
    private ushort unknown2;
    private ushort unknown3;

    /// <summary>The whole message.</summary>
    public ReadOnlySpan<byte> Packet { get; private set; }

    /// <summary>Message type (method and class).</summary>
    public ushort Type { get; private set; }

    /// <summary>The 96-bit transaction id.</summary>
    public readonly ReadOnlySpan<byte> TransactionId => Packet.Slice(8, Stun.TransactionIdLength);

    /// <summary>USERNAME's value, empty when absent (see <see cref="HasUsername"/>).</summary>
    public ReadOnlySpan<byte> Username { get; private set; }

    /// <summary>Whether USERNAME is present.</summary>
    public bool HasUsername { get; private set; }

    /// <summary>Offset of the MESSAGE-INTEGRITY attribute's header, or -1.</summary>
    public int MessageIntegrityOffset { get; private set; }

    /// <summary>Offset of the FINGERPRINT attribute's header, or -1.</summary>
    public int FingerprintOffset { get; private set; }

    /// <summary>PRIORITY (RFC 8445 §7.1.1), or null.</summary>
    public uint? Priority { get; private set; }

    /// <summary>Whether USE-CANDIDATE is present (RFC 8445 §7.1.2).</summary>
    public bool UseCandidate { get; private set; }

    /// <summary>ICE-CONTROLLING's tie-breaker, or null.</summary>
    public ulong? IceControlling { get; private set; }

    /// <summary>ICE-CONTROLLED's tie-breaker, or null.</summary>
    public ulong? IceControlled { get; private set; }

    /// <summary>ERROR-CODE's number (300-699), or 0.</summary>
    public int ErrorCode { get; private set; }

    /// <summary>XOR-MAPPED-ADDRESS's value bytes, empty when absent.</summary>
    public ReadOnlySpan<byte> XorMappedAddressValue { get; private set; }

    /// <summary>How many comprehension-required attributes this implementation does not know.</summary>
    public int UnknownRequiredCount { get; private set; }

    /// <summary>Whether the message is a request.</summary>
    public readonly bool IsRequest => (Type & 0x0110) == 0x0000;

    /// <summary>Whether the message is an indication.</summary>
    public readonly bool IsIndication => (Type & 0x0110) == 0x0010;

    /// <summary>Whether the message is a success or error response.</summary>
    public readonly bool IsResponse => (Type & 0x0100) != 0;

    /// <summary>
    /// Parses a STUN message. Returns false (never throws) for anything that is not a well-formed
    /// RFC 8489 message: the two top bits set, a length not a multiple of four or not matching the
    /// datagram, no magic cookie, an attribute overrunning the message, or one after FINGERPRINT.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> packet, out StunMessage message)
    {
        message = default;
        if (packet.Length < Stun.HeaderLength || (packet[0] & 0xC0) != 0)
        {
            return false;
        }

        int bodyLength = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
        if ((bodyLength & 3) != 0 || bodyLength + Stun.HeaderLength != packet.Length
            || BinaryPrimitives.ReadUInt32BigEndian(packet[4..]) != Stun.MagicCookie)
        {
            return false;
        }

        message.Packet = packet;
        message.Type = BinaryPrimitives.ReadUInt16BigEndian(packet);
        message.MessageIntegrityOffset = -1;
        message.FingerprintOffset = -1;

        int offset = Stun.HeaderLength;
        while (offset < packet.Length)
        {
            if (message.FingerprintOffset >= 0 || packet.Length - offset < 4)
            {
                return false;
            }

            ushort type = BinaryPrimitives.ReadUInt16BigEndian(packet[offset..]);
            int length = BinaryPrimitives.ReadUInt16BigEndian(packet[(offset + 2)..]);
            int valueStart = offset + 4;
            int padded = (length + 3) & ~3;
            if (valueStart + padded > packet.Length)
            {
                return false;
            }

            ReadOnlySpan<byte> value = packet.Slice(valueStart, length);
            if (!message.Accept(type, value, offset))
            {
                return false;
            }

            offset = valueStart + padded;
        }

        return true;
    }

    /// <summary>The unknown comprehension-required attribute types seen (at most <see cref="MaxUnknownAttributes"/>).</summary>
    public readonly int GetUnknownAttributes(Span<ushort> destination)
    {
        int count = Math.Min(Math.Min(UnknownRequiredCount, MaxUnknownAttributes), destination.Length);
        for (int i = 0; i < count; i++)
        {
            destination[i] = i switch { 0 => unknown0, 1 => unknown1, 2 => unknown2, _ => unknown3 };
        }

        return count;
    }

    /// <summary>
    /// Checks MESSAGE-INTEGRITY (RFC 8489 §14.5): HMAC-SHA1, keyed by the short-term password,
    /// over the message up to the attribute with the header's length counting up to its end.
    /// <paramref name="hmac"/> must be an HMAC-SHA1 <see cref="IncrementalHash"/> keyed with the password.
    /// </summary>
    public readonly bool VerifyMessageIntegrity(IncrementalHash hmac)
    {
        ArgumentNullException.ThrowIfNull(hmac);
        int offset = MessageIntegrityOffset;
        if (offset < 0 || BinaryPrimitives.ReadUInt16BigEndian(Packet[(offset + 2)..]) != Stun.MessageIntegrityLength)
        {
            return false;
        }

        Span<byte> computed = stackalloc byte[Stun.MessageIntegrityLength];
        ComputeIntegrity(hmac, Packet, offset, computed);
        return CryptographicOperations.FixedTimeEquals(computed, Packet.Slice(offset + 4, Stun.MessageIntegrityLength));
    }

    /// <summary>Checks FINGERPRINT (RFC 8489 §14.7); false when absent or wrong.</summary>
    public readonly bool VerifyFingerprint()
    {
        int offset = FingerprintOffset;
        if (offset < 0 || BinaryPrimitives.ReadUInt16BigEndian(Packet[(offset + 2)..]) != 4)
        {
            return false;
        }

        // FINGERPRINT is last, so the header's length already counts up to its end.
        uint expected = Crc32.Compute(Packet[..offset]) ^ Stun.FingerprintXor;
        return BinaryPrimitives.ReadUInt32BigEndian(Packet[(offset + 4)..]) == expected;
    }

    /// <summary>Decodes XOR-MAPPED-ADDRESS (RFC 8489 §14.2), or null when absent or malformed.</summary>
    public readonly IPEndPoint? GetXorMappedAddress()
    {
        ReadOnlySpan<byte> value = XorMappedAddressValue;
        if (value.Length < 8)
        {
            return null;
        }

        int port = BinaryPrimitives.ReadUInt16BigEndian(value[2..]) ^ (int)(Stun.MagicCookie >> 16);
        Span<byte> address = stackalloc byte[16];
        ReadOnlySpan<byte> cookieAndId = Packet.Slice(4, 16);
        switch (value[1])
        {
            case 0x01 when value.Length == 8:
                for (int i = 0; i < 4; i++)
                {
                    address[i] = (byte)(value[4 + i] ^ cookieAndId[i]);
                }

                return new IPEndPoint(new IPAddress(address[..4]), port);
            case 0x02 when value.Length == 20:
                for (int i = 0; i < 16; i++)
                {
                    address[i] = (byte)(value[4 + i] ^ cookieAndId[i]);
                }

                return new IPEndPoint(new IPAddress(address), port);
            default:
                return null;
        }
    }

    /// <summary>The HMAC-SHA1 of <paramref name="packet"/> up to <paramref name="integrityOffset"/>, length patched.</summary>
    internal static void ComputeIntegrity(IncrementalHash hmac, ReadOnlySpan<byte> packet, int integrityOffset, Span<byte> destination)
    {
        Span<byte> header = stackalloc byte[Stun.HeaderLength];
        packet[..Stun.HeaderLength].CopyTo(header);
        BinaryPrimitives.WriteUInt16BigEndian(header[2..], (ushort)(integrityOffset + 4 + Stun.MessageIntegrityLength - Stun.HeaderLength));
        hmac.AppendData(header);
        hmac.AppendData(packet[Stun.HeaderLength..integrityOffset]);
        if (!hmac.TryGetHashAndReset(destination, out int written) || written != Stun.MessageIntegrityLength)
        {
            throw new CryptographicException("MESSAGE-INTEGRITY needs an HMAC-SHA1.");
        }
    }

    private bool Accept(ushort type, ReadOnlySpan<byte> value, int attributeOffset)
    {
        if (type == Stun.Fingerprint)
        {
            FingerprintOffset = attributeOffset;
            return value.Length == 4;
        }

        if (MessageIntegrityOffset >= 0)
        {
            // RFC 8489 §14.5: everything between MESSAGE-INTEGRITY and FINGERPRINT is ignored.
            return true;
        }

        switch (type)
        {
            case Stun.MessageIntegrity:
                MessageIntegrityOffset = attributeOffset;
                return value.Length == Stun.MessageIntegrityLength;
            case Stun.Username:
                Username = value;
                HasUsername = true;
                return value.Length <= 513;
            case Stun.Priority:
                if (value.Length != 4)
                {
                    return false;
                }

                Priority = BinaryPrimitives.ReadUInt32BigEndian(value);
                return true;
            case Stun.UseCandidate:
                UseCandidate = true;
                return value.IsEmpty;
            case Stun.IceControlling:
                if (value.Length != 8)
                {
                    return false;
                }

                IceControlling = BinaryPrimitives.ReadUInt64BigEndian(value);
                return true;
            case Stun.IceControlled:
                if (value.Length != 8)
                {
                    return false;
                }

                IceControlled = BinaryPrimitives.ReadUInt64BigEndian(value);
                return true;
            case Stun.ErrorCode:
                if (value.Length < 4)
                {
                    return false;
                }

                ErrorCode = ((value[2] & 0x07) * 100) + value[3];
                return true;
            case Stun.XorMappedAddress:
                XorMappedAddressValue = value;
                return true;
            default:
                if (type < 0x8000 && !Stun.IsKnownRequired(type))
                {
                    switch (UnknownRequiredCount)
                    {
                        case 0: unknown0 = type; break;
                        case 1: unknown1 = type; break;
                        case 2: unknown2 = type; break;
                        case 3: unknown3 = type; break;
                        default: break;
                    }

                    UnknownRequiredCount++;
                }

                return true;
        }
    }
}

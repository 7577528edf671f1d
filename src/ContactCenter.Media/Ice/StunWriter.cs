using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace ContactCenter.Media.Ice;

/// <summary>
/// Builds a STUN message (RFC 8489) into a caller's buffer: the header first, then attributes in
/// order, each padded to four bytes with zeros; the header's length follows every addition.
/// MESSAGE-INTEGRITY and FINGERPRINT, when wanted, come last and in that order.
/// </summary>
internal ref struct StunWriter
{
    private readonly Span<byte> buffer;

    /// <summary>Starts a message of <paramref name="type"/> with <paramref name="transactionId"/> (12 bytes).</summary>
    public StunWriter(Span<byte> buffer, ushort type, ReadOnlySpan<byte> transactionId)
    {
        if (transactionId.Length != Stun.TransactionIdLength)
        {
            throw new ArgumentException("A STUN transaction id is 12 bytes.", nameof(transactionId));
        }

        if (buffer.Length < Stun.HeaderLength)
        {
            throw new ArgumentException("The buffer cannot hold a STUN header.", nameof(buffer));
        }

        this.buffer = buffer;
        BinaryPrimitives.WriteUInt16BigEndian(buffer, type);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[2..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[4..], Stun.MagicCookie);
        transactionId.CopyTo(buffer[8..]);
        Length = Stun.HeaderLength;
    }

    /// <summary>Bytes written so far (the whole message once the last attribute is in).</summary>
    public int Length { get; private set; }

    /// <summary>Adds an attribute with a raw value.</summary>
    public void Add(ushort type, scoped ReadOnlySpan<byte> value)
    {
        Span<byte> target = Begin(type, value.Length);
        value.CopyTo(target);
    }

    /// <summary>Adds an attribute holding a UTF-8 string (USERNAME, SOFTWARE...).</summary>
    public void AddString(ushort type, string value)
    {
        int length = Encoding.UTF8.GetByteCount(value);
        Span<byte> target = Begin(type, length);
        Encoding.UTF8.GetBytes(value, target);
    }

    /// <summary>Adds a 32-bit attribute (PRIORITY).</summary>
    public void AddUInt32(ushort type, uint value) => BinaryPrimitives.WriteUInt32BigEndian(Begin(type, 4), value);

    /// <summary>Adds a 64-bit attribute (ICE-CONTROLLING, ICE-CONTROLLED).</summary>
    public void AddUInt64(ushort type, ulong value) => BinaryPrimitives.WriteUInt64BigEndian(Begin(type, 8), value);

    /// <summary>Adds an empty attribute (USE-CANDIDATE).</summary>
    public void AddFlag(ushort type) => Begin(type, 0);

    /// <summary>Adds XOR-MAPPED-ADDRESS (RFC 8489 §14.2): port XOR the cookie's top half, address XOR cookie (and id for IPv6).</summary>
    public void AddXorMappedAddress(IPAddress address, int port)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        bool v4 = address.AddressFamily == AddressFamily.InterNetwork;
        int addressLength = v4 ? 4 : 16;
        Span<byte> value = Begin(Stun.XorMappedAddress, 4 + addressLength);
        value[0] = 0;
        value[1] = (byte)(v4 ? 0x01 : 0x02);
        BinaryPrimitives.WriteUInt16BigEndian(value[2..], (ushort)(port ^ (int)(Stun.MagicCookie >> 16)));
        if (!address.TryWriteBytes(value[4..], out int written) || written != addressLength)
        {
            throw new ArgumentException("The address cannot be written.", nameof(address));
        }

        ReadOnlySpan<byte> cookieAndId = buffer.Slice(4, 16);
        for (int i = 0; i < addressLength; i++)
        {
            value[4 + i] ^= cookieAndId[i];
        }
    }

    /// <summary>Adds ERROR-CODE (RFC 8489 §14.8) with its reason phrase.</summary>
    public void AddErrorCode(int code, string reason)
    {
        if (code is < 300 or > 699)
        {
            throw new ArgumentOutOfRangeException(nameof(code), code, "A STUN error code is 300-699.");
        }

        int reasonLength = Encoding.UTF8.GetByteCount(reason);
        Span<byte> value = Begin(Stun.ErrorCode, 4 + reasonLength);
        value[0] = 0;
        value[1] = 0;
        value[2] = (byte)(code / 100);
        value[3] = (byte)(code % 100);
        Encoding.UTF8.GetBytes(reason, value[4..]);
    }

    /// <summary>Adds UNKNOWN-ATTRIBUTES (RFC 8489 §14.9).</summary>
    public void AddUnknownAttributes(scoped ReadOnlySpan<ushort> types)
    {
        Span<byte> value = Begin(Stun.UnknownAttributes, 2 * types.Length);
        for (int i = 0; i < types.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(value[(2 * i)..], types[i]);
        }
    }

    /// <summary>Adds MESSAGE-INTEGRITY, an HMAC-SHA1 keyed with the short-term password (RFC 8489 §14.5).</summary>
    public void AddMessageIntegrity(IncrementalHash hmac)
    {
        ArgumentNullException.ThrowIfNull(hmac);
        int offset = Length;
        Span<byte> value = Begin(Stun.MessageIntegrity, Stun.MessageIntegrityLength);
        StunMessage.ComputeIntegrity(hmac, buffer[..Length], offset, value);
    }

    /// <summary>Adds FINGERPRINT (RFC 8489 §14.7); must be the last attribute.</summary>
    public void AddFingerprint()
    {
        int offset = Length;
        Span<byte> value = Begin(Stun.Fingerprint, 4);
        BinaryPrimitives.WriteUInt32BigEndian(value, Crc32.Compute(buffer[..offset]) ^ Stun.FingerprintXor);
    }

    private Span<byte> Begin(ushort type, int valueLength)
    {
        int padded = (valueLength + 3) & ~3;
        int end = Length + 4 + padded;
        if (end > buffer.Length || end - Stun.HeaderLength > ushort.MaxValue)
        {
            throw new ArgumentException("The STUN message does not fit its buffer.");
        }

        BinaryPrimitives.WriteUInt16BigEndian(buffer[Length..], type);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[(Length + 2)..], (ushort)valueLength);
        buffer.Slice(Length + 4 + valueLength, padded - valueLength).Clear();
        Span<byte> value = buffer.Slice(Length + 4, valueLength);
        Length = end;
        BinaryPrimitives.WriteUInt16BigEndian(buffer[2..], (ushort)(Length - Stun.HeaderLength));
        return value;
    }
}

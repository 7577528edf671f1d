namespace ContactCenter.Media.Ice;

/// <summary>STUN constants (RFC 8489 §5, §14, §18; ICE attributes from RFC 8445 §16.1).</summary>
internal static class Stun
{
    /// <summary>The fixed header: type, length, magic cookie, 96-bit transaction id.</summary>
    public const int HeaderLength = 20;

    /// <summary>Bytes of a transaction id.</summary>
    public const int TransactionIdLength = 12;

    /// <summary>The magic cookie that marks an RFC 5389/8489 message.</summary>
    public const uint MagicCookie = 0x2112A442;

    /// <summary>FINGERPRINT is the CRC-32 of the message XOR this value (RFC 8489 §14.7).</summary>
    public const uint FingerprintXor = 0x5354554E;

    /// <summary>Bytes of an HMAC-SHA1 MESSAGE-INTEGRITY value.</summary>
    public const int MessageIntegrityLength = 20;

    // Message types: method Binding (0x001) in the four classes (RFC 8489 §5).
    public const ushort BindingRequest = 0x0001;
    public const ushort BindingIndication = 0x0011;
    public const ushort BindingSuccess = 0x0101;
    public const ushort BindingError = 0x0111;

    // Comprehension-required attributes (0x0000-0x7FFF).
    public const ushort MappedAddress = 0x0001;
    public const ushort Username = 0x0006;
    public const ushort MessageIntegrity = 0x0008;
    public const ushort ErrorCode = 0x0009;
    public const ushort UnknownAttributes = 0x000A;
    public const ushort Realm = 0x0014;
    public const ushort Nonce = 0x0015;
    public const ushort MessageIntegritySha256 = 0x001C;
    public const ushort PasswordAlgorithm = 0x001D;
    public const ushort UserHash = 0x001E;
    public const ushort XorMappedAddress = 0x0020;
    public const ushort Priority = 0x0024;
    public const ushort UseCandidate = 0x0025;

    // Comprehension-optional attributes (0x8000-0xFFFF).
    public const ushort PasswordAlgorithms = 0x8002;
    public const ushort AlternateDomain = 0x8003;
    public const ushort Software = 0x8022;
    public const ushort AlternateServer = 0x8023;
    public const ushort Fingerprint = 0x8028;
    public const ushort IceControlled = 0x8029;
    public const ushort IceControlling = 0x802A;

    /// <summary>Whether a comprehension-required attribute type is one this implementation knows.</summary>
    public static bool IsKnownRequired(ushort type) => type is MappedAddress or Username or MessageIntegrity or ErrorCode
        or UnknownAttributes or Realm or Nonce or MessageIntegritySha256 or PasswordAlgorithm or UserHash
        or XorMappedAddress or Priority or UseCandidate;

    /// <summary>RFC 7983 §7: a first byte of 0-3 is STUN.</summary>
    public static bool LooksLikeStun(ReadOnlySpan<byte> packet) =>
        packet.Length >= HeaderLength && packet[0] < 4
        && packet[4] == 0x21 && packet[5] == 0x12 && packet[6] == 0xA4 && packet[7] == 0x42;
}

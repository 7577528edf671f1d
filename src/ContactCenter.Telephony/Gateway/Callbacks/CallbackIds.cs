using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace ContactCenter.Telephony.Gateway.Callbacks;

/// <summary>
/// Ids of the calls that keep a promise made on another call: a voicemail's callback, a callback's retry. Derived,
/// not random, so that a redelivered message or a restarted gateway names the same call again and routing's
/// idempotence (a known or ended call id is ignored) makes each attempt happen once.
/// </summary>
internal static class CallbackIds
{
    /// <summary>The id of attempt <paramref name="attempt"/> of kind <paramref name="kind"/> (<c>voicemail</c>, <c>retry</c>) for <paramref name="origin"/>.</summary>
    public static Guid Derive(Guid origin, string kind, int attempt)
    {
        Span<byte> input = stackalloc byte[16 + 4 + 32];
        origin.TryWriteBytes(input);
        BinaryPrimitives.WriteInt32BigEndian(input[16..], attempt);
        var kindBytes = Encoding.ASCII.GetBytes(kind, input[20..]);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(input[..(20 + kindBytes)], hash);
        // RFC 9562 version 8 (custom), variant 10.
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true);
    }
}

using System.Numerics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace ContactCenter.Media.Srtp;

/// <summary>
/// AES in counter mode as RFC 3711 §4.1.1 uses it: keystream block j is AES(key, IV + j), the
/// counter j in the IV's last 16 bits, XORed onto the data in place. Built on the BCL's AES in ECB
/// mode (one reusable transform, AES-NI through the platform) over a block of counters prepared in
/// a scratch buffer: no allocation per packet. One instance per thread at a time.
/// </summary>
internal sealed class AesCounterMode : IDisposable
{
    private const int ScratchBlocks = 96; // 1,536 bytes: a full-MTU packet in one call

    private readonly Aes aes;
    private readonly ICryptoTransform ecb;
    private readonly byte[] counters = new byte[ScratchBlocks * 16];
    private readonly byte[] keystream = new byte[ScratchBlocks * 16];

    /// <summary>Creates the transform for a 128-, 192- or 256-bit key.</summary>
    public AesCounterMode(ReadOnlySpan<byte> key)
    {
        aes = Aes.Create();
        aes.Key = key.ToArray();
        aes.Mode = CipherMode.ECB;
        aes.Padding = PaddingMode.None;
        ecb = aes.CreateEncryptor();
    }

    /// <summary>XORs the keystream that starts at <paramref name="iv"/> (16 bytes, counter bits zero) onto <paramref name="data"/>.</summary>
    public void Apply(ReadOnlySpan<byte> iv, Span<byte> data)
    {
        int counter = 0;
        while (!data.IsEmpty)
        {
            int blocks = Math.Min(ScratchBlocks, (data.Length + 15) / 16);
            for (int b = 0; b < blocks; b++, counter++)
            {
                Span<byte> block = counters.AsSpan(b * 16, 16);
                iv.CopyTo(block);
                // IV + j: the IV's low 16 bits are zero by construction, so the sum never carries further.
                int low = ((iv[14] << 8) | iv[15]) + counter;
                block[14] = (byte)(low >> 8);
                block[15] = (byte)low;
            }

            int bytes = blocks * 16;
            ecb.TransformBlock(counters, 0, bytes, keystream, 0);
            int take = Math.Min(bytes, data.Length);
            Xor(data[..take], keystream.AsSpan(0, take));
            data = data[take..];
        }
    }

    /// <summary>Writes the raw keystream (for the RFC 3711 key derivation and tests).</summary>
    public void Keystream(ReadOnlySpan<byte> iv, Span<byte> destination)
    {
        destination.Clear();
        Apply(iv, destination);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        ecb.Dispose();
        aes.Dispose();
        CryptographicOperations.ZeroMemory(keystream);
    }

    /// <summary>data ^= mask, a vector at a time.</summary>
    internal static void Xor(Span<byte> data, ReadOnlySpan<byte> mask)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && data.Length >= Vector<byte>.Count)
        {
            Span<Vector<byte>> d = MemoryMarshal.Cast<byte, Vector<byte>>(data);
            ReadOnlySpan<Vector<byte>> m = MemoryMarshal.Cast<byte, Vector<byte>>(mask);
            for (int v = 0; v < d.Length; v++)
            {
                d[v] ^= m[v];
            }

            i = d.Length * Vector<byte>.Count;
        }

        for (; i < data.Length; i++)
        {
            data[i] ^= mask[i];
        }
    }
}

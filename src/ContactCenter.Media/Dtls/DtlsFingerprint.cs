using System.Security.Cryptography;
using System.Text;

namespace ContactCenter.Media.Dtls;

/// <summary>
/// A certificate fingerprint as SDP carries it (RFC 8122 §5, a=fingerprint:&lt;hash&gt; &lt;hex:hex:...&gt;):
/// the hash function's name and the digest of the certificate's DER encoding. DTLS-SRTP endpoints
/// use self-signed certificates; the fingerprint from the signalled SDP is what authenticates the
/// peer (RFC 5763 §5).
/// </summary>
internal sealed class DtlsFingerprint
{
    private readonly byte[] digest;

    private DtlsFingerprint(string algorithm, byte[] digest)
    {
        Algorithm = algorithm;
        this.digest = digest;
    }

    /// <summary>The hash function, lower case: sha-1, sha-256, sha-384 or sha-512.</summary>
    public string Algorithm { get; }

    /// <summary>The digest bytes.</summary>
    public ReadOnlySpan<byte> Digest => digest;

    /// <summary>The fingerprint of a DER certificate with <paramref name="algorithm"/>.</summary>
    public static DtlsFingerprint Of(ReadOnlySpan<byte> certificateDer, string algorithm = "sha-256")
    {
        string name = algorithm.ToLowerInvariant();
        byte[] hash = Hash(name, certificateDer) ?? throw new ArgumentException($"Unsupported fingerprint hash '{algorithm}' (sha-1, sha-256, sha-384 or sha-512).", nameof(algorithm));
        return new DtlsFingerprint(name, hash);
    }

    /// <summary>
    /// Parses an a=fingerprint value ("sha-256 AB:CD:..."). False, with <paramref name="error"/> saying why,
    /// for an unknown hash function, bad hex or a digest of the wrong length.
    /// </summary>
    public static bool TryParse(string? value, out DtlsFingerprint? fingerprint, out string? error)
    {
        fingerprint = null;
        error = null;
        string[] parts = (value ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length != 2)
        {
            error = $"a=fingerprint '{value}' is not '<hash> <hex:hex:...>'";
            return false;
        }

        string algorithm = parts[0].ToLowerInvariant();
        int expected = algorithm switch { "sha-1" => 20, "sha-256" => 32, "sha-384" => 48, "sha-512" => 64, _ => 0 };
        if (expected == 0)
        {
            error = $"a=fingerprint hash '{parts[0]}' is not supported (sha-1, sha-256, sha-384 or sha-512)";
            return false;
        }

        string[] octets = parts[1].Split(':');
        byte[] digest = new byte[octets.Length];
        for (int i = 0; i < octets.Length; i++)
        {
            if (octets[i].Length != 2 || !byte.TryParse(octets[i], System.Globalization.NumberStyles.AllowHexSpecifier, null, out digest[i]))
            {
                error = $"a=fingerprint '{value}' has '{octets[i]}' where two hex digits belong";
                return false;
            }
        }

        if (digest.Length != expected)
        {
            error = $"a=fingerprint {algorithm} has {digest.Length} bytes, not {expected}";
            return false;
        }

        fingerprint = new DtlsFingerprint(algorithm, digest);
        return true;
    }

    /// <summary>Parses an a=fingerprint value; throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static DtlsFingerprint Parse(string value) =>
        TryParse(value, out DtlsFingerprint? fingerprint, out string? error) ? fingerprint! : throw new FormatException(error);

    /// <summary>Whether a DER certificate has this fingerprint (constant-time comparison of the digests).</summary>
    public bool Matches(ReadOnlySpan<byte> certificateDer)
    {
        byte[]? hash = Hash(Algorithm, certificateDer);
        return hash is not null && CryptographicOperations.FixedTimeEquals(hash, digest);
    }

    /// <summary>The SDP form: "sha-256 AB:CD:...", upper-case hex (RFC 8122 §5).</summary>
    public override string ToString()
    {
        var text = new StringBuilder(Algorithm.Length + 1 + (digest.Length * 3));
        text.Append(Algorithm).Append(' ');
        for (int i = 0; i < digest.Length; i++)
        {
            if (i > 0)
            {
                text.Append(':');
            }

            text.Append(digest[i].ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }

        return text.ToString();
    }

    private static byte[]? Hash(string algorithm, ReadOnlySpan<byte> data) => algorithm switch
    {
#pragma warning disable CA5350 // SHA-1 fingerprints are still offered by some SIP endpoints; only compared, never for signing
        "sha-1" => SHA1.HashData(data),
#pragma warning restore CA5350
        "sha-256" => SHA256.HashData(data),
        "sha-384" => SHA384.HashData(data),
        "sha-512" => SHA512.HashData(data),
        _ => null,
    };
}

using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ContactCenter.Sip.Transport;

/// <summary>
/// How the certificate of a TLS peer we connect to (a trunk) is verified. Verification is always on: by default the
/// system's trusted roots and the name <see cref="ServerName"/>; <see cref="TrustedRoots"/> replaces the system roots with
/// a private CA (the name is still checked); <see cref="PinnedSha256"/> accepts exactly one certificate (its SHA-256),
/// whoever issued it. Nothing ever accepts any certificate.
/// </summary>
public sealed class SipTlsTrust
{
    /// <summary>The name the peer's certificate must carry (SNI too); null: the peer's IP address.</summary>
    public string? ServerName { get; init; }

    /// <summary>CA certificates to chain to instead of the system's roots (a private CA); null: the system's.</summary>
    public X509Certificate2Collection? TrustedRoots { get; init; }

    /// <summary>The SHA-256 of the one certificate accepted (DER), or null.</summary>
    public byte[]? PinnedSha256 { get; init; }

    /// <summary>The default: system roots, the IP address as the name.</summary>
    public static SipTlsTrust Default { get; } = new();

    /// <summary>Parses a pin "sha256:AB:CD:..." or plain hex (64 digits, colons allowed); null when malformed.</summary>
    public static byte[]? ParsePin(string? text)
    {
        if (text is null)
        {
            return null;
        }
        var hex = text.Trim();
        if (hex.StartsWith("sha256:", StringComparison.OrdinalIgnoreCase))
        {
            hex = hex["sha256:".Length..];
        }
        hex = hex.Replace(":", "", StringComparison.Ordinal);
        if (hex.Length != 64)
        {
            return null;
        }
        try
        {
            return Convert.FromHexString(hex);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>
    /// Checks the peer's certificate as set; <paramref name="why"/> says in words why it was refused (for logs and the
    /// call's history).
    /// </summary>
    internal bool Accepts(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, out string? why)
    {
        why = null;
        if (certificate is null)
        {
            why = "the peer presented no certificate";
            return false;
        }
        if (PinnedSha256 is { } pin)
        {
            var actual = SHA256.HashData(certificate.GetRawCertData());
            if (CryptographicOperations.FixedTimeEquals(actual, pin))
            {
                return true;
            }
            why = $"certificate {Convert.ToHexString(actual)} is not the pinned one";
            return false;
        }
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }
        var details = new List<string>();
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            details.Add($"it does not name {ServerName ?? "the address dialled"}");
        }
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
        {
            var status = chain?.ChainStatus.Select(s => s.Status.ToString()).Distinct().ToList() ?? [];
            details.Add("it is not trusted" + (status.Count > 0 ? $" ({string.Join(", ", status)})" : ""));
        }
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            details.Add("no certificate");
        }
        why = $"certificate '{certificate.Subject}' refused: {string.Join("; ", details)}";
        return false;
    }
}

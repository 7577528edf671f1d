using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Security;

namespace ContactCenter.Media.Dtls;

/// <summary>
/// The gateway's DTLS certificate: one self-signed ECDSA P-256 certificate per process (what
/// Chromium and Firefox make for themselves), its key never leaving memory. Peers authenticate it by
/// the a=fingerprint in our SDP (RFC 5763 §5), so no CA and no file. Made with the BCL's
/// <see cref="CertificateRequest"/>; BouncyCastle only reads its DER and key for the handshake.
/// Immutable and shared by every leg.
/// </summary>
internal sealed class DtlsCertificate
{
    private readonly byte[] der;

    private DtlsCertificate(byte[] der, AsymmetricKeyParameter privateKey)
    {
        this.der = der;
        PrivateKey = privateKey;
        Fingerprint = DtlsFingerprint.Of(der);
    }

    /// <summary>The certificate's DER encoding.</summary>
    public ReadOnlySpan<byte> Der => der;

    /// <summary>sha-256 fingerprint, for a=fingerprint (<c>Fingerprint.ToString()</c>).</summary>
    public DtlsFingerprint Fingerprint { get; }

    /// <summary>The private key in BouncyCastle's form, for signing in the handshake.</summary>
    internal AsymmetricKeyParameter PrivateKey { get; }

    /// <summary>Generates a fresh certificate valid from a day before now for a year.</summary>
    public static DtlsCertificate Generate(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=ContactCenter", key, HashAlgorithmName.SHA256);
        DateTimeOffset now = time.GetUtcNow();
        using X509Certificate2 certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
        AsymmetricKeyParameter privateKey = PrivateKeyFactory.CreateKey(key.ExportPkcs8PrivateKey());
        return new DtlsCertificate(certificate.RawData, privateKey);
    }

    /// <summary>A copy of the DER, for BouncyCastle.</summary>
    internal byte[] DerCopy() => (byte[])der.Clone();
}

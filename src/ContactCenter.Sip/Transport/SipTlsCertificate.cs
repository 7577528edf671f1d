using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace ContactCenter.Sip.Transport;

/// <summary>
/// The certificate of the SIP TLS port (Sip:TlsCertificatePath, Sip:TlsKeyPath, Sip:TlsCertificatePassword): a PFX/PKCS#12
/// file, or a PEM certificate (chain) with its PEM key; without one, a self-signed certificate is generated (kept at
/// Sip:TlsSelfSignedPath when set, so phones that pinned it keep trusting it after a restart). A configured file is
/// re-read when it changes (checked at most every 10 s, at a handshake): rotating the certificate needs no restart, and a
/// file that no longer loads keeps the previous certificate in use (logged).
/// </summary>
internal sealed class SipTlsCertificate
{
    private static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(10);
    private readonly SipEndpointOptions options;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly Lock gate = new();
    private X509Certificate2 current;
    private DateTime loadedWriteTime;
    private long lastCheck;

    public SipTlsCertificate(SipEndpointOptions options, TimeProvider time, ILogger logger)
    {
        this.options = options;
        this.time = time;
        this.logger = logger;
        current = LoadOrCreate(options, out loadedWriteTime);
        lastCheck = time.GetTimestamp();
        logger.LogInformation("SIP TLS certificate {Subject} (thumbprint {Thumbprint}, valid until {NotAfter:u}{SelfSigned})",
            current.Subject, current.Thumbprint, current.NotAfter, string.IsNullOrWhiteSpace(options.TlsCertificatePath) ? ", self-signed" : "");
    }

    /// <summary>The certificate to present now (re-read when the configured file changed).</summary>
    public X509Certificate2 Current
    {
        get
        {
            if (string.IsNullOrWhiteSpace(options.TlsCertificatePath) || time.GetElapsedTime(Interlocked.Read(ref lastCheck)) < CheckEvery)
            {
                return current;
            }
            lock (gate)
            {
                if (time.GetElapsedTime(lastCheck) < CheckEvery)
                {
                    return current;
                }
                lastCheck = time.GetTimestamp();
                try
                {
                    var written = LastWrite(options);
                    if (written != loadedWriteTime)
                    {
                        var fresh = Load(options);
                        logger.LogInformation("SIP TLS certificate reloaded: {Subject} (thumbprint {Thumbprint}, valid until {NotAfter:u})", fresh.Subject, fresh.Thumbprint, fresh.NotAfter);
                        current = fresh;
                        loadedWriteTime = written;
                    }
                }
                catch (Exception ex) when (ex is IOException or CryptographicException or UnauthorizedAccessException)
                {
                    logger.LogWarning("SIP TLS certificate {Path} could not be reloaded ({Message}); the previous one stays in use", options.TlsCertificatePath, ex.Message);
                }
                return current;
            }
        }
    }

    /// <summary>Checks the configured files load (for start-up validation); an error naming the key, or null.</summary>
    public static string? Check(SipEndpointOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.TlsCertificatePath))
        {
            return null;
        }
        try
        {
            using var c = Load(options);
            return c.HasPrivateKey ? null : $"Sip:TlsCertificatePath '{options.TlsCertificatePath}' has no private key (give Sip:TlsKeyPath for a PEM certificate)";
        }
        catch (Exception ex) when (ex is IOException or CryptographicException or UnauthorizedAccessException or ArgumentException)
        {
            return $"Sip:TlsCertificatePath '{options.TlsCertificatePath}' (key '{options.TlsKeyPath}') could not be loaded: {ex.Message}";
        }
    }

    private static DateTime LastWrite(SipEndpointOptions options)
    {
        var t = File.GetLastWriteTimeUtc(options.TlsCertificatePath!);
        if (!string.IsNullOrWhiteSpace(options.TlsKeyPath))
        {
            var k = File.GetLastWriteTimeUtc(options.TlsKeyPath);
            t = k > t ? k : t;
        }
        return t;
    }

    private X509Certificate2 LoadOrCreate(SipEndpointOptions o, out DateTime writeTime)
    {
        if (!string.IsNullOrWhiteSpace(o.TlsCertificatePath))
        {
            writeTime = LastWrite(o);
            return Load(o);
        }
        writeTime = default;
        var keep = o.TlsSelfSignedPath;
        if (!string.IsNullOrWhiteSpace(keep) && File.Exists(keep))
        {
            var kept = X509CertificateLoader.LoadPkcs12FromFile(keep, password: null);
            if (kept.NotAfter.ToUniversalTime() > time.GetUtcNow().UtcDateTime.AddDays(7))
            {
                return kept;
            }
            logger.LogInformation("The self-signed SIP TLS certificate at {Path} expires soon: a new one is generated", keep);
            kept.Dispose();
        }
        var created = CreateSelfSigned(o.PublicHost ?? o.ListenAddress, time.GetUtcNow());
        if (!string.IsNullOrWhiteSpace(keep))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(keep))!);
            File.WriteAllBytes(keep, created.Export(X509ContentType.Pkcs12));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(keep, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            logger.LogInformation("Generated a self-signed SIP TLS certificate, kept at {Path}", keep);
        }
        return created;
    }

    private static X509Certificate2 Load(SipEndpointOptions o)
    {
        var path = o.TlsCertificatePath!;
        if (path.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".p12", StringComparison.OrdinalIgnoreCase))
        {
            return X509CertificateLoader.LoadPkcs12FromFile(path, o.TlsCertificatePassword);
        }
        using var pem = string.IsNullOrEmpty(o.TlsCertificatePassword)
            ? X509Certificate2.CreateFromPemFile(path, string.IsNullOrWhiteSpace(o.TlsKeyPath) ? null : o.TlsKeyPath)
            : X509Certificate2.CreateFromEncryptedPemFile(path, o.TlsCertificatePassword, string.IsNullOrWhiteSpace(o.TlsKeyPath) ? null : o.TlsKeyPath);
        // A PEM key is ephemeral; SslStream wants a key it can use on every platform: round-trip through PKCS#12.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>An ECDSA P-256 certificate for <paramref name="host"/> (and localhost), valid two years.</summary>
    internal static X509Certificate2 CreateSelfSigned(string host, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var name = IPAddress.TryParse(host.Trim('[', ']'), out _) ? "contactcenter-sip" : host;
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        if (IPAddress.TryParse(host.Trim('[', ']'), out var ip))
        {
            if (!ip.Equals(IPAddress.Any) && !ip.Equals(IPAddress.IPv6Any))
            {
                san.AddIpAddress(ip);
            }
        }
        else
        {
            san.AddDnsName(host);
        }
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var cert = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(2));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
    }
}

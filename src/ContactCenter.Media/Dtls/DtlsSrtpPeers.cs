using ContactCenter.Media.Srtp;
using Microsoft.Extensions.Logging;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace ContactCenter.Media.Dtls;

/// <summary>
/// What the BouncyCastle client or server of one handshake shares with <see cref="DtlsSrtpTransport"/>:
/// the peer's expected fingerprint (which may arrive after the handshake starts: the DTLS thread then
/// waits for it), the first failure seen (so the reason survives BouncyCastle's wrapping), and the keys.
/// </summary>
internal sealed class DtlsHandshakeState : IDisposable
{
    private readonly ManualResetEventSlim fingerprintKnown = new();
    private DtlsFingerprint? remoteFingerprint;

    public DtlsHandshakeState(DtlsCertificate certificate, DtlsSrtpOptions options, ILogger logger)
    {
        Certificate = certificate;
        Options = options;
        Logger = logger;
    }

    public DtlsCertificate Certificate { get; }

    public DtlsSrtpOptions Options { get; }

    public ILogger Logger { get; }

    public CancellationToken Cancellation { get; set; }

    public (DtlsFailure Failure, string Reason)? Failed { get; private set; }

    public DtlsSrtpKeys? Keys { get; set; }

    public SrtpProfile? SelectedProfile { get; set; }

    public void SetRemoteFingerprint(DtlsFingerprint fingerprint)
    {
        Volatile.Write(ref remoteFingerprint, fingerprint);
        fingerprintKnown.Set();
    }

    /// <summary>Records the first failure and returns the alert to raise for it.</summary>
    public TlsFatalAlert Fail(DtlsFailure failure, string reason, short alert)
    {
        Failed ??= (failure, reason);
        return new TlsFatalAlert(alert, reason);
    }

    public void NoteFailure(DtlsFailure failure, string reason) => Failed ??= (failure, reason);

    /// <summary>RFC 5763 §5: the certificate the peer presented must hash to the fingerprint in its SDP.</summary>
    public void CheckPeerCertificate(Certificate? certificate)
    {
        if (certificate is null || certificate.IsEmpty)
        {
            throw Fail(DtlsFailure.NoCertificate, "the peer presented no certificate", AlertDescription.handshake_failure);
        }

        // On the DTLS thread: waiting for the peer's SDP (if its ClientHello raced it) blocks nothing else.
        fingerprintKnown.Wait(Cancellation);
        DtlsFingerprint expected = Volatile.Read(ref remoteFingerprint)!;
        byte[] der = certificate.GetCertificateAt(0).GetEncoded();
        if (!expected.Matches(der))
        {
            throw Fail(
                DtlsFailure.FingerprintMismatch,
                $"the peer's certificate is {DtlsFingerprint.Of(der, expected.Algorithm)}, its SDP says {expected}",
                AlertDescription.bad_certificate);
        }
    }

    public TlsCredentialedSigner Signer(TlsContext context, BcTlsCrypto crypto)
    {
        var chain = new Certificate([crypto.CreateCertificate(Certificate.DerCopy())]);
        return new BcDefaultTlsCredentialedSigner(new TlsCryptoParameters(context), crypto, (ECPrivateKeyParameters)Certificate.PrivateKey, chain,
            new SignatureAndHashAlgorithm(HashAlgorithm.sha256, SignatureAlgorithm.ecdsa));
    }

    public void ExportKeys(TlsContext context, bool weAreClient)
    {
        SrtpProfile profile = SelectedProfile ?? throw new InvalidOperationException("No SRTP profile was negotiated.");
        byte[] material = context.ExportKeyingMaterial(DtlsSrtpKeys.ExporterLabel, null, DtlsSrtpKeys.MaterialLength(profile));
        Keys = DtlsSrtpKeys.FromKeyingMaterial(profile, material, weAreClient);
        Array.Clear(material);
    }

    public void LogAlert(bool raised, short level, short description, string? message)
    {
        if (description == AlertDescription.close_notify)
        {
            Logger.LogDebug("DTLS close_notify {Direction}", raised ? "sent" : "received");
            return;
        }

        if (!raised && level == AlertLevel.fatal)
        {
            NoteFailure(DtlsFailure.AlertReceived, $"the peer sent the DTLS alert {AlertDescription.GetText(description)}");
        }

        Logger.LogInformation("DTLS alert {Direction}: {Level} {Description} {Message}", raised ? "sent" : "received",
            AlertLevel.GetText(level), AlertDescription.GetText(description), message);
    }

    public void Dispose() => fingerprintKnown.Dispose();

    /// <summary>The cipher suites we allow: ECDHE with our ECDSA key, AEAD first (what WebRTC browsers use).</summary>
    public static int[] CipherSuites { get; } =
    [
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
    ];

    public int[] ProfileIds()
    {
        int[] ids = new int[Options.Profiles.Count];
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = Options.Profiles[i].DtlsProfileId();
        }

        return ids;
    }
}

/// <summary>Our DTLS 1.2 server (a=setup:passive): requires the client's certificate, accepts use_srtp.</summary>
internal sealed class DtlsSrtpServer : DefaultTlsServer
{
    private readonly DtlsHandshakeState state;
    private readonly BcTlsCrypto crypto;

    public DtlsSrtpServer(BcTlsCrypto crypto, DtlsHandshakeState state)
        : base(crypto)
    {
        this.crypto = crypto;
        this.state = state;
    }

    public override int GetHandshakeTimeoutMillis() => (int)Math.Min(int.MaxValue, state.Options.HandshakeTimeout.TotalMilliseconds + 1000);

    protected override ProtocolVersion[] GetSupportedVersions() => ProtocolVersion.DTLSv12.Only();

    protected override int[] GetSupportedCipherSuites() => DtlsHandshakeState.CipherSuites;

    protected override TlsCredentialedSigner GetECDsaSignerCredentials() => state.Signer(m_context, crypto);

    public override void ProcessClientExtensions(IDictionary<int, byte[]> clientExtensions)
    {
        base.ProcessClientExtensions(clientExtensions);
        UseSrtpData? offered = TlsSrtpUtilities.GetUseSrtpExtension(clientExtensions);
        if (offered is null)
        {
            throw state.Fail(DtlsFailure.NoSrtpProfile, "the peer's ClientHello has no use_srtp extension", AlertDescription.handshake_failure);
        }

        // Ours is the preference order; the first the client offered wins.
        foreach (SrtpProfile profile in state.Options.Profiles)
        {
            if (Array.IndexOf(offered.ProtectionProfiles, profile.DtlsProfileId()) >= 0)
            {
                state.SelectedProfile = profile;
                return;
            }
        }

        throw state.Fail(DtlsFailure.NoSrtpProfile,
            $"no SRTP profile in common (the peer offered {string.Join(", ", offered.ProtectionProfiles.Select(p => $"0x{p:X4}"))})",
            AlertDescription.handshake_failure);
    }

    public override IDictionary<int, byte[]> GetServerExtensions()
    {
        IDictionary<int, byte[]> extensions = base.GetServerExtensions() ?? new Dictionary<int, byte[]>();
        TlsSrtpUtilities.AddUseSrtpExtension(extensions, new UseSrtpData([state.SelectedProfile!.Value.DtlsProfileId()], []));
        return extensions;
    }

    public override CertificateRequest GetCertificateRequest() =>
        new([ClientCertificateType.ecdsa_sign, ClientCertificateType.rsa_sign], TlsUtilities.GetDefaultSupportedSignatureAlgorithms(m_context), null);

    public override void NotifyClientCertificate(Certificate clientCertificate) => state.CheckPeerCertificate(clientCertificate);

    public override void NotifyHandshakeComplete()
    {
        base.NotifyHandshakeComplete();
        state.ExportKeys(m_context, weAreClient: false);
    }

    public override void NotifyAlertRaised(short alertLevel, short alertDescription, string message, Exception cause) =>
        state.LogAlert(true, alertLevel, alertDescription, message ?? cause?.Message);

    public override void NotifyAlertReceived(short alertLevel, short alertDescription) => state.LogAlert(false, alertLevel, alertDescription, null);
}

/// <summary>Our DTLS 1.2 client (a=setup:active): offers use_srtp, presents our certificate, checks the server's.</summary>
internal sealed class DtlsSrtpClient : DefaultTlsClient
{
    private readonly DtlsHandshakeState state;
    private readonly BcTlsCrypto crypto;

    public DtlsSrtpClient(BcTlsCrypto crypto, DtlsHandshakeState state)
        : base(crypto)
    {
        this.crypto = crypto;
        this.state = state;
    }

    public override int GetHandshakeTimeoutMillis() => (int)Math.Min(int.MaxValue, state.Options.HandshakeTimeout.TotalMilliseconds + 1000);

    protected override ProtocolVersion[] GetSupportedVersions() => ProtocolVersion.DTLSv12.Only();

    protected override int[] GetSupportedCipherSuites() => DtlsHandshakeState.CipherSuites;

    public override IDictionary<int, byte[]> GetClientExtensions()
    {
        IDictionary<int, byte[]> extensions = base.GetClientExtensions() ?? new Dictionary<int, byte[]>();
        TlsSrtpUtilities.AddUseSrtpExtension(extensions, new UseSrtpData(state.ProfileIds(), []));
        return extensions;
    }

    public override void ProcessServerExtensions(IDictionary<int, byte[]> serverExtensions)
    {
        base.ProcessServerExtensions(serverExtensions);
        UseSrtpData? chosen = serverExtensions is null ? null : TlsSrtpUtilities.GetUseSrtpExtension(serverExtensions);
        if (chosen is null || chosen.ProtectionProfiles.Length != 1)
        {
            throw state.Fail(DtlsFailure.NoSrtpProfile, "the server's hello chose no SRTP profile", AlertDescription.handshake_failure);
        }

        SrtpProfile? profile = SrtpProfiles.FromDtlsProfileId(chosen.ProtectionProfiles[0]);
        if (profile is null || !state.Options.Profiles.Contains(profile.Value))
        {
            throw state.Fail(DtlsFailure.NoSrtpProfile, $"the server chose SRTP profile 0x{chosen.ProtectionProfiles[0]:X4}, which we did not offer", AlertDescription.illegal_parameter);
        }

        state.SelectedProfile = profile;
    }

    public override TlsAuthentication GetAuthentication() => new Authentication(this);

    public override void NotifyHandshakeComplete()
    {
        base.NotifyHandshakeComplete();
        state.ExportKeys(m_context, weAreClient: true);
    }

    public override void NotifyAlertRaised(short alertLevel, short alertDescription, string message, Exception cause) =>
        state.LogAlert(true, alertLevel, alertDescription, message ?? cause?.Message);

    public override void NotifyAlertReceived(short alertLevel, short alertDescription) => state.LogAlert(false, alertLevel, alertDescription, null);

    private sealed class Authentication(DtlsSrtpClient client) : TlsAuthentication
    {
        public void NotifyServerCertificate(TlsServerCertificate serverCertificate) => client.state.CheckPeerCertificate(serverCertificate?.Certificate);

        public TlsCredentials GetClientCredentials(CertificateRequest certificateRequest) => client.state.Signer(client.m_context, client.crypto);
    }
}

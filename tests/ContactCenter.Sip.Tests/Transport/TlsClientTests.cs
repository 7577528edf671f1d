using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ContactCenter.Sip.Message;
using ContactCenter.Sip.Sdp;
using ContactCenter.Sip.Transactions;
using ContactCenter.Sip.Transport;
using ContactCenter.Sip.UserAgent;

namespace ContactCenter.Sip.Tests.Transport;

/// <summary>
/// Our UAC dialling a trunk over TLS (issue 17): the transport opens a TLS client connection and verifies the far end's
/// certificate (a private CA with the name checked, or a pinned certificate); a certificate that fails the check ends the
/// call with a 503 naming why. The far trunk is our own endpoint with its TLS listener, over real loopback sockets.
/// </summary>
public sealed class TlsClientTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly string dir = Directory.CreateTempSubdirectory("sip-tls-client").FullName;
    private readonly X509Certificate2 ca;
    private readonly X509Certificate2 leaf;

    public TlsClientTests()
    {
        var now = TimeProvider.System.GetUtcNow();
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Test Carrier CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(30));

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=sip.carrier.test", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("sip.carrier.test");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var issued = request.Create(ca, now.AddMinutes(-5), now.AddDays(10), RandomNumberGenerator.GetBytes(8));
        leaf = issued.CopyWithPrivateKey(key);
        File.WriteAllText(Path.Combine(dir, "trunk.crt"), leaf.ExportCertificatePem());
        File.WriteAllText(Path.Combine(dir, "trunk.key"), key.ExportPkcs8PrivateKeyPem());
    }

    public void Dispose()
    {
        ca.Dispose();
        leaf.Dispose();
    }

    /// <summary>The far trunk: TLS with the CA-issued certificate, answering every call.</summary>
    private SipEndpoint StartTrunk(TaskCompletionSource<(IncomingCall Call, SipDialog Dialog)>? answered = null)
    {
        var trunk = TestSupport.StartEndpoint(o =>
        {
            o.EnableTls = true;
            o.TlsPort = 0;
            o.TlsCertificatePath = Path.Combine(dir, "trunk.crt");
            o.TlsKeyPath = Path.Combine(dir, "trunk.key");
        });
        trunk.IncomingCallHandler = call =>
        {
            var answer = SdpOfferAnswer.CreateAnswer(call.Offer!, new IPEndPoint(IPAddress.Loopback, 20002));
            var dialog = call.Accept(answer.Answer!)!;
            answered?.TrySetResult((call, dialog));
            return Task.CompletedTask;
        };
        return trunk;
    }

    private static SipEndpoint StartGateway() => TestSupport.StartEndpoint(o => { o.EnableTls = true; o.TlsPort = 0; });

    private static Task<SipCallResult> DialAsync(SipEndpoint gateway, SipEndpoint trunk) =>
        gateway.Call(new SipCallOptions
        {
            Target = SipUri.Parse($"sip:+442079460001@127.0.0.1:{trunk.TlsEndPoint!.Port}"),
            Destination = new SipDestination(SipProtocol.Tls, trunk.TlsEndPoint),
            From = SipNameAddress.Parse("<sip:+442079460000@127.0.0.1>"),
            Offer = SdpOfferAnswer.CreateOffer(new IPEndPoint(IPAddress.Loopback, 20000)),
        }).Completion.WaitAsync(Wait);

    [Fact]
    public async Task A_trunk_whose_certificate_chains_to_the_configured_ca_and_names_the_server_is_called_over_a_tls_client_connection()
    {
        var answered = new TaskCompletionSource<(IncomingCall Call, SipDialog Dialog)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var trunk = StartTrunk(answered);
        await using var gateway = StartGateway();
        gateway.TrustTlsPeer(trunk.TlsEndPoint!, new SipTlsTrust { ServerName = "sip.carrier.test", TrustedRoots = [ca] });

        var result = await DialAsync(gateway, trunk);
        Assert.True(result.IsAnswered, $"{result.StatusCode} {result.Response?.ReasonPhrase}");
        var (call, calleeDialog) = await answered.Task.WaitAsync(Wait);
        Assert.Equal(SipProtocol.Tls, call.Source.Protocol);
        Assert.Equal("TLS", call.Request.TopVia!.Transport);
        Assert.Equal(1, gateway.TlsConnectionCount);

        // The carrier's BYE comes back down the connection we opened.
        var ended = new TaskCompletionSource<SipDialogEndReason>(TaskCreationOptions.RunContinuationsAsynchronously);
        gateway.DialogEnded += (_, reason) => ended.TrySetResult(reason);
        await calleeDialog.Confirmed.WaitAsync(Wait);
        await calleeDialog.SendByeAsync();
        Assert.Equal(SipDialogEndReason.RemoteBye, await ended.Task.WaitAsync(Wait));
        Assert.Equal(1, gateway.TlsConnectionCount);
    }

    [Fact]
    public async Task A_pinned_certificate_is_accepted_whoever_issued_it_and_any_other_is_refused()
    {
        await using var trunk = StartTrunk();
        await using var gateway = StartGateway();
        gateway.TrustTlsPeer(trunk.TlsEndPoint!, new SipTlsTrust { PinnedSha256 = SHA256.HashData(leaf.RawData) });
        var result = await DialAsync(gateway, trunk);
        Assert.True(result.IsAnswered, $"{result.StatusCode} {result.Response?.ReasonPhrase}");

        await using var other = StartTrunk();
        await using var gateway2 = StartGateway();
        gateway2.TrustTlsPeer(other.TlsEndPoint!, new SipTlsTrust { PinnedSha256 = SipTlsTrust.ParsePin("sha256:" + new string('A', 64)) });
        var refused = await DialAsync(gateway2, other);
        Assert.Equal(503, refused.StatusCode);
        Assert.Contains("is not the pinned one", refused.Response?.ReasonPhrase ?? "", StringComparison.Ordinal);
        Assert.Equal(0, gateway2.TlsConnectionCount);
    }

    [Fact]
    public async Task Verification_is_on_by_default_and_a_refused_certificate_or_name_is_named_in_the_503()
    {
        await using var trunk = StartTrunk();
        // No trust given: the system's roots, which do not know the test CA.
        await using var gateway = StartGateway();
        var untrusted = await DialAsync(gateway, trunk);
        Assert.Equal(503, untrusted.StatusCode);
        Assert.Contains($"TLS handshake with {trunk.TlsEndPoint}", untrusted.Response?.ReasonPhrase ?? "", StringComparison.Ordinal);
        Assert.Contains("is not trusted", untrusted.Response?.ReasonPhrase ?? "", StringComparison.Ordinal);
        Assert.Equal(0, gateway.TlsConnectionCount);

        // The right CA but another name than the certificate's.
        await using var gateway2 = StartGateway();
        gateway2.TrustTlsPeer(trunk.TlsEndPoint!, new SipTlsTrust { ServerName = "other.carrier.test", TrustedRoots = [ca] });
        var misnamed = await DialAsync(gateway2, trunk);
        Assert.Equal(503, misnamed.StatusCode);
        Assert.Contains("does not name other.carrier.test", misnamed.Response?.ReasonPhrase ?? "", StringComparison.Ordinal);

        // Nobody listening: the connection failure is named too.
        var closedPort = trunk.TlsEndPoint!;
        await trunk.DisposeAsync();
        await using var gateway3 = StartGateway();
        var nobody = await gateway3.Call(new SipCallOptions
        {
            Target = SipUri.Parse($"sip:+442079460001@127.0.0.1:{closedPort.Port}"),
            Destination = new SipDestination(SipProtocol.Tls, closedPort),
            Offer = SdpOfferAnswer.CreateOffer(new IPEndPoint(IPAddress.Loopback, 20000)),
        }).Completion.WaitAsync(Wait);
        Assert.Equal(503, nobody.StatusCode);
        Assert.Contains($"TLS connection to {closedPort} failed", nobody.Response?.ReasonPhrase ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sips_target_is_dialled_over_a_verified_tls_client_connection()
    {
        var answered = new TaskCompletionSource<(IncomingCall Call, SipDialog Dialog)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var trunk = StartTrunk(answered);
        await using var gateway = StartGateway();
        gateway.TrustTlsPeer(trunk.TlsEndPoint!, new SipTlsTrust { ServerName = "sip.carrier.test", TrustedRoots = [ca] });

        // No destination given: the sips: scheme alone sends it over TLS (RFC 5630), never UDP.
        var result = await gateway.Call(new SipCallOptions
        {
            Target = SipUri.Parse($"sips:+442079460001@127.0.0.1:{trunk.TlsEndPoint!.Port}"),
            From = SipNameAddress.Parse("<sip:+442079460000@127.0.0.1>"),
            Offer = SdpOfferAnswer.CreateOffer(new IPEndPoint(IPAddress.Loopback, 20000)),
        }).Completion.WaitAsync(Wait);
        Assert.True(result.IsAnswered, $"{result.StatusCode} {result.Response?.ReasonPhrase}");
        Assert.Equal(SipProtocol.Tls, (await answered.Task.WaitAsync(Wait)).Call.Source.Protocol);
        Assert.Equal(1, gateway.TlsConnectionCount);
    }

    [Fact]
    public void A_pin_is_read_with_or_without_colons_and_a_malformed_one_is_null()
    {
        var hex = Convert.ToHexString(SHA256.HashData(leaf.RawData));
        Assert.Equal(SHA256.HashData(leaf.RawData), SipTlsTrust.ParsePin("sha256:" + string.Join(':', hex.Chunk(2).Select(c => new string(c)))));
        Assert.Equal(SHA256.HashData(leaf.RawData), SipTlsTrust.ParsePin(hex.ToLowerInvariant()));
        Assert.Null(SipTlsTrust.ParsePin("sha256:abc"));
        Assert.Null(SipTlsTrust.ParsePin(new string('z', 64)));
    }
}
